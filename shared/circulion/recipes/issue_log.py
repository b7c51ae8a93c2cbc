"""A chunk's validation issues: a few inline in the event, more in a report, all counted."""

from __future__ import annotations

from circulion.contracts.events import ValidationIssue


class IssueLog:
    """Keeps the first ``report_limit`` issues (the first ``inline_limit`` go in the event)
    and counts every one, so memory stays bounded however broken the input is."""

    def __init__(self, inline_limit: int, report_limit: int) -> None:
        self._inline_limit = inline_limit
        self._report_limit = report_limit
        self.kept: list[ValidationIssue] = []
        self.count = 0

    def add(self, issue: ValidationIssue) -> None:
        self.count += 1
        if len(self.kept) < self._report_limit:
            self.kept.append(issue)

    @property
    def inline(self) -> list[ValidationIssue]:
        return self.kept[: self._inline_limit]

    @property
    def overflows(self) -> bool:
        """More issues than fit in the event: the kept ones go to a report in S3."""
        return self.count > self._inline_limit
