"""``python -m circulion_local.emulator.server ARGS``: moto's server, patched. Takes
``moto.server``'s arguments; ``--dynamodb-socket PATH`` runs the DynamoDB process instead.

Two processes serve the one endpoint, and each installs only the patches of what it
serves (:func:`install_front`, :func:`install_dynamodb`; every patch goes through
:mod:`.patches`, which checks moto's and werkzeug's versions first):

* the **front** — S3, SQS, SNS, CloudFront, CloudWatch, X-Ray, IAM... — serves moto's
  dispatcher behind three WSGI middlewares (:func:`front_middleware`): the request tally
  (:mod:`.tally`, only when asked), DynamoDB's IAM check (:mod:`circulion_local.iam.dynamodb_front`)
  and DynamoDB's forwarding to its own process (:mod:`.dynamodb_process`);
* the **DynamoDB process**, behind a Unix socket.

One module per patched behaviour: :mod:`.caller_references`, :mod:`.serialised`,
:mod:`.transactions`, :mod:`.queries`, :mod:`.ranges`, :mod:`.object_bytes` (both
through :mod:`.key_value`), :mod:`.multipart`, :mod:`.cloudwatch`, :mod:`.hot_paths`,
:mod:`.untracked_models`, and
IAM's (:mod:`circulion_local.iam.enforcement`, :mod:`circulion_local.iam.resource_arns`).
Answers are moto's own, but for what each module's docstring says.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from circulion_local.emulator import patches

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


def install_dynamodb() -> None:
    """The DynamoDB process's patches."""
    from circulion_local.emulator.attribute_values import serialise_attribute_values_directly
    from circulion_local.emulator.hot_paths import remove_hot_path_costs
    from circulion_local.emulator.queries import read_only_the_partition
    from circulion_local.emulator.serialised import serialise_dynamodb
    from circulion_local.emulator.transactions import snapshot_items_not_tables
    from circulion_local.emulator.untracked_models import stop_tracking_instances

    remove_hot_path_costs()
    stop_tracking_instances()
    serialise_dynamodb()
    snapshot_items_not_tables()
    read_only_the_partition()
    serialise_attribute_values_directly()


def install_front(dynamodb_socket: Path) -> None:
    """The front process's patches; its dispatcher served behind :func:`front_middleware`.

    IAM's patches are applied even when enforcement is off (``CIRCULION_ENFORCE_IAM=0``):
    the checks read the switch per request, so the version guard still runs and the two
    modes differ in one place.
    """
    from circulion_local.emulator.caller_references import honour_caller_references
    from circulion_local.emulator.cloudwatch import answer_percentiles
    from circulion_local.emulator.hot_paths import remove_hot_path_costs
    from circulion_local.emulator.multipart import answer_no_such_upload
    from circulion_local.emulator.object_bytes import join_parts_once
    from circulion_local.emulator.ranges import serve_ranges_in_place
    from circulion_local.emulator.untracked_models import stop_tracking_instances
    from circulion_local.iam.enforcement import enforce_identity_policies
    from circulion_local.iam.resource_arns import resolve_resource_arns

    remove_hot_path_costs()
    stop_tracking_instances()
    honour_caller_references()
    answer_percentiles()
    serve_ranges_in_place()
    join_parts_once()
    answer_no_such_upload()
    enforce_identity_policies()
    resolve_resource_arns()
    serve_behind(lambda dispatcher: front_middleware(dispatcher, dynamodb_socket))


def front_middleware(dispatcher: WSGIApp, dynamodb_socket: Path) -> WSGIApp:
    """moto's dispatcher behind the tally, then DynamoDB's IAM check, then its forwarding."""
    from circulion_local.emulator.dynamodb_process import ForwardDynamoDB
    from circulion_local.emulator.tally import tally_if_asked
    from circulion_local.iam.dynamodb_front import AuthorizeDynamoDB

    # Outermost first: every request counts (DynamoDB too); DynamoDB is authorized here, before it is forwarded.
    return tally_if_asked(AuthorizeDynamoDB(ForwardDynamoDB(dispatcher, dynamodb_socket)))


def serve_behind(wrap: Callable[[WSGIApp], WSGIApp]) -> None:
    """Make ``moto.server.main`` serve its dispatcher wrapped by ``wrap`` (once).

    Assumed: ``moto.server.main`` builds its ``DomainDispatcherApplication`` and hands it to
    ``run_simple(host, port, app, **options)``, imported by name into ``moto.server``.
    """
    import moto.server

    run_simple: Callable[..., None] = patches.original(moto.server, "run_simple")

    def run_wrapped(hostname: str, port: int, application: WSGIApp, *args: Any, **kwargs: Any) -> None:
        run_simple(hostname, port, wrap(application), *args, **kwargs)

    patches.patch(moto.server, "run_simple", run_wrapped)


def main(argv: list[str]) -> None:
    """moto's server with its arguments; ``--dynamodb-socket PATH`` runs the DynamoDB process."""
    from circulion_local.emulator.dynamodb_process import SERVE_FLAG, serve

    if argv[:1] == [SERVE_FLAG]:
        install_dynamodb()
        serve(Path(argv[1]))
        return
    _serve_front(argv)


def _serve_front(argv: list[str]) -> None:
    """S3, SQS, SNS, CloudFront, X-Ray... on the endpoint; DynamoDB forwarded to its process."""
    import shutil
    import tempfile

    from moto.server import main as moto_main

    from circulion_local.emulator.cloudwatch import publish_queue_metrics
    from circulion_local.emulator.dynamodb_process import start_dynamodb_process

    socket_dir = Path(tempfile.mkdtemp(prefix="circulion-dynamodb-"))
    install_front(socket_dir / "dynamodb.sock")
    publish_queue_metrics()
    dynamodb = start_dynamodb_process(socket_dir / "dynamodb.sock")
    try:
        moto_main(argv)
    finally:
        dynamodb.terminate()
        dynamodb.wait(timeout=10)
        shutil.rmtree(socket_dir, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
