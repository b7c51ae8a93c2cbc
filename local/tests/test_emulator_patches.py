"""The emulator's one patch registry: every patch listed, applied once, in the process that
serves it, and refused when moto (or werkzeug) is not the pinned version."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from circulion_local.emulator import patches

LOCK = Path(__file__).resolve().parents[2] / "requirements.lock"
_MOTO = "moto."
HOT_PATHS = [
    "moto.backends.list_of_moto_modules",
    "moto.moto_server.werkzeug_app.DomainDispatcherApplication.get_backend_for_host",
    "moto.moto_server.werkzeug_app.MotoRequestHandler.disable_nagle_algorithm",
    "werkzeug.serving.WSGIRequestHandler.log_request",
    "moto.core.utils.unix_time",
    "moto.core.utils.unix_time_millis",
    "moto.sqs.models.Queue.approximate_number_of_messages",
    "moto.sqs.models.Queue.approximate_number_of_messages_not_visible",
    "moto.sqs.models.Queue.approximate_number_of_messages_delayed",
    "moto.sqs.models.SQSBackend.send_message",
    "moto.core.responses.method_names_from_class",
]
UNTRACKED = "moto.core.common_models.BaseModel.__new__"
FRONT = [
    *HOT_PATHS,
    UNTRACKED,
    "moto.cloudfront.models.CloudFrontBackend.create_invalidation",
    "moto.cloudwatch.models.Statistics.get_statistics_for_type",
    "moto.s3.responses.S3Response.get_object",
    "moto.s3.models.FakeKey.value",
    "moto.s3.models.FakeMultipart.complete",
    "moto.s3.models.S3Backend.upload_part",
    "moto.s3.models.S3Backend.upload_part_copy",
    "moto.s3.models.S3Backend.complete_multipart_upload",
    "moto.s3.models.S3Backend.is_truncated",
    "moto.core.authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action",
    "moto.sqs.responses.SQSResponse._determine_resource",
    "moto.sns.responses.SNSResponse._determine_resource",
    "moto.kms.responses.KmsResponse._determine_resource",
    "moto.secretsmanager.responses.SecretsManagerResponse._determine_resource",
    "moto.cloudfront.responses.CloudFrontResponse._determine_resource",
    "moto.cloudwatch.responses.CloudWatchResponse._determine_resource",
    "moto.server.run_simple",
]
DYNAMODB = [
    *HOT_PATHS,
    UNTRACKED,
    "moto.dynamodb.responses.DynamoHandler.call_action",
    "moto.dynamodb.models.DynamoDBBackend.transact_write_items",
    "moto.dynamodb.models.table.Table.__deepcopy__",
    "moto.dynamodb.models.table.Table.query",
    "moto.dynamodb.models.table.Table.all_items",
    "moto.core.serialize.JSONSerializer._serialize_type_structure",
]
_INSTALL = """
import json, sys
from pathlib import Path
from circulion_local.emulator import patches, server
if sys.argv[1] == "front":
    server.install_front(Path("/nonexistent/dynamodb.sock"))
    server.install_front(Path("/nonexistent/dynamodb.sock"))  # a second install changes nothing
else:
    server.install_dynamodb()
    server.install_dynamodb()
print(json.dumps([[p.label, p.live()] for p in patches.applied()]))
"""


def _applied_in(process: str) -> list[tuple[str, bool]]:
    """What a fresh process records after its install function (patches must not leak into pytest's moto)."""
    out = subprocess.run(
        [sys.executable, "-c", _INSTALL, process], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    return [(label, live) for label, live in json.loads(out)]


def _is_clock_reference(label: str) -> bool:
    """moto modules import ``unix_time`` by name: each loaded module's reference is one patch."""
    return label.startswith(_MOTO) and label.rsplit(".", 1)[-1] in ("unix_time", "unix_time_millis")


@pytest.mark.parametrize(("process", "expected"), [("front", FRONT), ("dynamodb", DYNAMODB)])
def test_every_patch_is_listed_and_applied_once_in_the_process_that_serves_it(
    process: str, expected: list[str]
) -> None:
    applied = _applied_in(process)
    labels = [label for label, _ in applied]
    assert [label for label, live in applied if not live] == []
    assert len(labels) == len(set(labels))  # no attribute patched twice
    assert set(expected) <= set(labels)
    assert [label for label in labels if label not in expected and not _is_clock_reference(label)] == []


def test_the_pins_are_those_of_requirements_lock() -> None:
    lock = LOCK.read_text()
    for library, version in patches.PINNED.items():
        (pinned,) = re.findall(rf"^{library}==(\S+)$", lock, re.M | re.I)
        assert pinned == version


def test_a_patch_fails_fast_when_moto_is_not_the_pinned_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.s3.models import FakeKey

    monkeypatch.setattr(patches, "installed_version", lambda library: "9.9.9")
    monkeypatch.setattr(patches, "_checked", set())
    with pytest.raises(patches.MotoMismatch, match=r"written for moto 5\.2\.5, found 9\.9\.9"):
        patches.patch(FakeKey, "_not_patched_here", object())
    assert not hasattr(FakeKey, "_not_patched_here")


def test_a_patch_refuses_an_attribute_the_pinned_moto_lacks() -> None:
    from moto.s3.models import FakeKey

    with pytest.raises(patches.MotoMismatch, match=r"has no moto\.s3\.models\.FakeKey\._gone"):
        patches.patch(FakeKey, "_gone", object())
