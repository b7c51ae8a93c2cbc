"""``python -m circulion_local.emulator_server ARGS``: moto's server, DynamoDB made safe
under concurrency. Takes ``moto.server``'s arguments.

moto 5.2.5's ``transact_write_items`` snapshots every table it touches and, when any of its
conditions fails, restores the snapshots — undoing every write other requests made to those
tables in between (the server handles requests on threads). For us a cancelled transaction
is routine: the merger records a chunk with a conditional marker, so every duplicate
``chunk.processed`` cancels one. Under the chaos soak this erased a recorded plan and
stalled a recipe. Real DynamoDB isolates transactions; here one lock serialises DynamoDB
requests (the emulator holds the GIL anyway, so little throughput is lost), which makes
the snapshot-and-restore harmless.

CloudFront's CreateInvalidation is made idempotent on its CallerReference, as on AWS
(:func:`honour_caller_references`). Ranged GETs read only their range
(:mod:`circulion_local.emulator_ranges`); transactions save the items they touch rather
than whole tables (:mod:`circulion_local.emulator_transactions`); key queries read their
partition only (:mod:`circulion_local.emulator_queries`); object bytes are
copied and hashed once (:mod:`circulion_local.emulator_object_bytes`); per-request costs that
grew with the work are gone (:mod:`circulion_local.emulator_hot_paths`); DynamoDB runs
in a process of its own behind the same endpoint
(:mod:`circulion_local.emulator_dynamodb_process`); CloudWatch answers percentiles and
holds ``AWS/SQS`` samples of every queue (:mod:`circulion_local.emulator_cloudwatch`); a
multipart upload that is gone is ``NoSuchUpload`` rather than a 500
(:mod:`circulion_local.emulator_multipart`). Answers are moto's own.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

_DYNAMODB_LOCK = threading.RLock()
_CLOUDFRONT_LOCK = threading.Lock()
_MARK = "_circulion_serialised"


def serialise_dynamodb() -> None:
    """Make every DynamoDB request of this process run alone (idempotent)."""
    from moto.dynamodb.responses import DynamoHandler

    original: Callable[..., Any] = DynamoHandler.call_action
    if getattr(original, _MARK, False):
        return

    def call_action(self: Any) -> Any:
        with _DYNAMODB_LOCK:
            return original(self)

    setattr(call_action, _MARK, True)
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def honour_caller_references() -> None:
    """Make CreateInvalidation idempotent on its CallerReference, as CloudFront is (idempotent).

    moto 5.2.5 creates a new invalidation for every call. CloudFront answers a repeated
    CallerReference with the same paths with the invalidation it already made, and with
    different paths with ``InvalidationBatchAlreadyExists``: the distributor relies on the
    former to resend a request a crash left unrecorded without invalidating twice.
    """
    from moto.cloudfront.exceptions import CloudFrontException
    from moto.cloudfront.models import CloudFrontBackend

    original: Callable[..., Any] = CloudFrontBackend.create_invalidation
    if getattr(original, _MARK, False):
        return

    def create_invalidation(self: Any, dist_id: str, paths: list[str], caller_ref: str) -> Any:
        with _CLOUDFRONT_LOCK:  # two racing resends must not both miss the lookup
            for existing in self.invalidations.get(dist_id) or []:
                if existing.caller_ref != caller_ref:
                    continue
                if sorted(existing.paths) == sorted(paths):
                    return existing
                raise CloudFrontException(
                    "InvalidationBatchAlreadyExists",
                    "The CallerReference you attempted to create the invalidation batch with is already in use "
                    "by another batch.",
                )
            return original(self, dist_id, paths, caller_ref)

    setattr(create_invalidation, _MARK, True)
    CloudFrontBackend.create_invalidation = create_invalidation  # type: ignore[method-assign]


def main(argv: list[str]) -> None:
    """moto's server with its arguments; ``--dynamodb-socket PATH`` runs the DynamoDB process.

    Each process patches only the services it serves: DynamoDB requests never reach the
    front process's moto (it forwards them), and the DynamoDB process serves nothing else.
    """
    from pathlib import Path

    from circulion_local.emulator_dynamodb_process import SERVE_FLAG, serve
    from circulion_local.emulator_hot_paths import remove_hot_path_costs

    remove_hot_path_costs()
    if argv[:1] == [SERVE_FLAG]:
        from circulion_local.emulator_queries import read_only_the_partition
        from circulion_local.emulator_transactions import snapshot_items_not_tables

        serialise_dynamodb()
        snapshot_items_not_tables()
        read_only_the_partition()
        serve(Path(argv[1]))
        return
    _serve_front(argv)


def _serve_front(argv: list[str]) -> None:
    """S3, SQS, SNS, CloudFront, X-Ray... on the endpoint; DynamoDB forwarded to its process."""
    import shutil
    import tempfile
    from pathlib import Path

    from moto.server import main as moto_main

    from circulion_local.emulator_cloudwatch import answer_percentiles, publish_queue_metrics
    from circulion_local.emulator_dynamodb_process import forward_dynamodb_to, start_dynamodb_process
    from circulion_local.emulator_multipart import answer_no_such_upload
    from circulion_local.emulator_object_bytes import join_parts_once
    from circulion_local.emulator_ranges import serve_ranges_in_place
    from circulion_local.emulator_tally import tally_requests_if_asked
    from circulion_local.iam.patches import enforce_iam_in_front

    honour_caller_references()
    answer_percentiles()
    publish_queue_metrics()
    serve_ranges_in_place()
    join_parts_once()
    answer_no_such_upload()
    socket_dir = Path(tempfile.mkdtemp(prefix="circulion-dynamodb-"))
    dynamodb = start_dynamodb_process(socket_dir / "dynamodb.sock")
    try:
        forward_dynamodb_to(socket_dir / "dynamodb.sock")
        enforce_iam_in_front()  # after the forwarding: DynamoDB is authorized here, before it is forwarded
        tally_requests_if_asked()  # after the forwarding, so that DynamoDB requests count too
        moto_main(argv)
    finally:
        dynamodb.terminate()
        dynamodb.wait(timeout=10)
        shutil.rmtree(socket_dir, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
