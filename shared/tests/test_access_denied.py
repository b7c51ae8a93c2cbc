"""AccessDenied is permanent for its record: DLQ at once with what to grant, recipe failed."""

from __future__ import annotations

from collections.abc import Sequence

from botocore.exceptions import ClientError
from test_batch import CONSUMER, Deps, started

from circulion.access_denied import access_denied
from circulion.batch import for_each_record
from circulion.contracts import Envelope, RecipeFailed, RecipeMergeStarted
from circulion.errors import TransientError
from circulion.testing import sqs_record

DENIED = (
    "User: arn:aws:sts::123456789012:assumed-role/circulion-merger-coordinate/s is not authorized to perform: "
    "dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/circulion-ledger "
    "because no identity-based policy allows the dynamodb:PutItem action"
)


def client_error(code: str, message: str, operation: str = "PutItem") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def denied_handler(message: RecipeMergeStarted, deps: Deps) -> Sequence[Envelope]:
    raise client_error("AccessDeniedException", DENIED)


def test_the_denial_names_action_and_resource() -> None:
    denial = access_denied(client_error("AccessDeniedException", DENIED))
    assert denial is not None
    assert denial.action == "dynamodb:PutItem"
    assert denial.resource == "arn:aws:dynamodb:us-east-1:123456789012:table/circulion-ledger"
    assert denial.reason.startswith("access_denied: dynamodb:PutItem on arn:aws:dynamodb:")


def test_each_services_code_is_recognised_and_others_are_not() -> None:
    assert access_denied(client_error("AuthorizationError", "no", "Publish")) is not None  # SNS
    assert access_denied(client_error("AccessDenied", "Access Denied", "GetObject")) is not None  # S3
    assert access_denied(client_error("403", "Forbidden", "HeadObject")) is not None  # S3 HEAD: no body
    assert access_denied(client_error("403", "Forbidden", "GetObject")) is None
    assert access_denied(client_error("ThrottlingException", "slow down")) is None
    assert access_denied(RuntimeError("AccessDenied")) is None


def test_a_denial_wrapped_by_an_adapter_is_found() -> None:
    try:
        try:
            raise client_error("AccessDenied", DENIED)
        except ClientError as exc:
            raise TransientError("ledger write failed") from exc
    except TransientError as wrapped:
        denial = access_denied(wrapped)
    assert denial is not None and denial.action == "dynamodb:PutItem"


def test_first_attempt_goes_to_the_dlq_with_the_reason_and_fails_the_recipe() -> None:
    deps = Deps()
    record = sqs_record(started("denied"), receive_count=1)
    response = for_each_record({"Records": [record]}, RecipeMergeStarted, denied_handler, deps, CONSUMER)
    assert response == {"batchItemFailures": []}
    [(moved, reason, function)] = deps.dead_letters.sent
    assert moved is record and function == "handle"
    assert "dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/circulion-ledger" in reason
    [failed] = deps.bus.events
    assert isinstance(failed, RecipeFailed)
    assert failed.payload.reason == "access_denied" and "dynamodb:PutItem" in failed.payload.message


def test_a_denial_that_cannot_be_dead_lettered_is_retried() -> None:
    deps = Deps()
    deps.dead_letters = None  # type: ignore[assignment]
    record = sqs_record(started("denied"), receive_count=1)
    response = for_each_record({"Records": [record]}, RecipeMergeStarted, denied_handler, deps, CONSUMER)
    assert response == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
