"""A missing permission, recognised: permanent for the record that needed it.

An AccessDenied does not pass by retrying: the function's role lacks the action until
someone changes ``deploy/permissions.py`` and redeploys. The batch processor therefore
moves the record to its DLQ at once, with a reason naming the action and resource (so
``circulion dlq list`` says what to add), and fails the recipe; once the role is fixed,
``circulion dlq redrive`` finishes the job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "AuthorizationError"})
"""The codes AWS services answer a missing permission with (SNS: ``AuthorizationError``)."""

_HEAD_OPERATIONS = frozenset({"HeadObject", "HeadBucket"})
"""A HEAD has no body: S3 answers a bare ``403`` there."""

_DETAIL = re.compile(r"not authorized to perform: (?P<action>[\w:*-]+) on resource: \"?(?P<resource>[^\s\"]+)")
_MAX_CHAIN = 5


@dataclass(frozen=True)
class Denial:
    """What was refused: the IAM action and resource when the answer names them."""

    operation: str
    message: str
    action: str | None = None
    resource: str | None = None

    @property
    def reason(self) -> str:
        """One line for the DLQ's ``failure_reason`` and the recipe's error."""
        if self.action and self.resource:
            what = f"{self.action} on {self.resource}"
        else:
            what = f"{self.operation} ({self.message or 'no detail'})"
        return f"access_denied: {what}; grant it in deploy/permissions.py"


def access_denied(exc: BaseException) -> Denial | None:
    """The :class:`Denial` in ``exc`` (or an error it was raised from), else ``None``."""
    current: BaseException | None = exc
    for _ in range(_MAX_CHAIN):
        if current is None:
            return None
        denial = _of(current)
        if denial is not None:
            return denial
        current = current.__cause__ or current.__context__
    return None


def _of(exc: BaseException) -> Denial | None:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    error = response.get("Error") or {}
    code = str(error.get("Code", ""))
    operation = str(getattr(exc, "operation_name", "") or "")
    if code not in DENIED_CODES and not (code == "403" and operation in _HEAD_OPERATIONS):
        return None
    message = str(error.get("Message", ""))
    detail = _DETAIL.search(message)
    if detail is None:
        return Denial(operation, message)
    return Denial(operation, message, detail["action"], detail["resource"])
