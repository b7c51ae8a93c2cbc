"""Validating a whole local file the way the pipeline does, in parallel over byte ranges.

First the upload's content check (:class:`~circulion.recipes.content_sniff.ContentSniffer`:
UTF-8, byte order mark, the first byte or line), which refuses a file before any chunk is
read. Then the file is cut by the splitter's own plan (:func:`~circulion.recipes.chunk_plan.plan_chunks`),
each range is judged by the chunk workers' :class:`~circulion.recipes.chunk_validation.ChunkValidator`
(the same record-ownership rule), and the outcomes are combined with the merger's rules
(:func:`~circulion.recipes.whole_recipe.whole_recipe_issues`, :func:`~circulion.recipes.merge.merge_issues`):
so the verdict and every issue's line, byte offset and step id are what an upload would get.

Memory stays bounded: at most ``2 * processes`` ranges are in flight, each holding one
record (or a document capped at ``max_document_bytes``) and at most ``max_report_issues``
issues; once the report is full, later ranges' issues (which sort after it: byte offsets
only grow from range to range) are only counted.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.pool import AsyncResult

from circulion.contracts.events import ChunkSpan, RecipeKind, StepIdRange, ValidationIssue
from circulion.recipes.chunk_plan import plan_chunks
from circulion.recipes.chunk_validation import ChunkValidator
from circulion.recipes.content_sniff import CONTENT_TYPES, FileSniff
from circulion.recipes.issue_log import IssueLog
from circulion.recipes.limits import ValidationLimits
from circulion.recipes.merge import merge_issues
from circulion.recipes.whole_recipe import whole_recipe_issues

PIECE_BYTES = 2 * 1024 * 1024
OnProgress = Callable[[int, int], None]
"""Called with ``(bytes validated so far, file size)``."""


@dataclass(frozen=True)
class RangeOutcome:
    """One byte range's verdict, as a chunk worker reports it in ``chunk.processed``."""

    span: ChunkSpan
    issues: tuple[ValidationIssue, ...]
    issue_count: int
    step_ids: StepIdRange | None
    newline_count: int
    record_count: int


@dataclass(frozen=True)
class Verdict:
    """The whole file's verdict: ``issues`` sorted by position, ``issue_count`` all of them."""

    size_bytes: int
    chunks: int
    record_count: int
    issue_count: int
    issues: list[ValidationIssue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.issue_count == 0


def validate_range(
    path: str, kind: RecipeKind, span: ChunkSpan, *, size: int, total_chunks: int, limits: ValidationLimits
) -> RangeOutcome:
    """Judge ``span`` of the file at ``path`` exactly as the chunk worker for it would."""
    with open(path, "rb") as handle:
        fd = handle.fileno()

        def read(start: int, end: int) -> bytes:
            return os.pread(fd, max(0, min(end, size) - start), start)

        issues = IssueLog(limits.max_issues_per_chunk, limits.max_report_issues)
        validator = ChunkValidator(read, kind, span, size=size, total_chunks=total_chunks, limits=limits, issues=issues)
        newlines = 0
        for start in range(span.start, span.end, PIECE_BYTES):
            if not validator.wants_bytes:
                break  # only newline counts are left to gather, and they matter only to streams
            piece = read(start, min(start + PIECE_BYTES, span.end))
            newlines += piece.count(b"\n")
            validator.feed(piece)
        record_count, step_ids = validator.finish()
    return RangeOutcome(span, tuple(issues.kept), issues.count, step_ids, newlines, record_count)


class VerdictBuilder:
    """Combines range outcomes, added in index order, as the merger combines chunks."""

    def __init__(self, size: int, limits: ValidationLimits, kind: RecipeKind) -> None:
        self._size = size
        self._kind = kind
        self._limit = limits.max_report_issues
        self._kept: list[tuple[int, tuple[ValidationIssue, ...]]] = []
        self._positioned = 0  # kept issues with a byte offset: once the report is full, later ones sort after
        self._ranges: list[StepIdRange | None] = []
        self._newlines: list[int] = []
        self._count = 0
        self._records = 0

    def add(self, outcome: RangeOutcome) -> None:
        if outcome.span.index != len(self._ranges):
            raise ValueError(f"range {outcome.span.index} added out of order")
        self._ranges.append(outcome.step_ids)
        self._newlines.append(outcome.newline_count)
        self._count += max(outcome.issue_count, len(outcome.issues))
        self._records += outcome.record_count
        if outcome.issues and self._positioned < self._limit:
            self._kept.append((outcome.span.index, outcome.issues))
            self._positioned += sum(1 for issue in outcome.issues if issue.byte_offset is not None)

    def finish(self) -> Verdict:
        cross = whole_recipe_issues(self._kind, self._ranges, self._newlines, self._count)
        issues = merge_issues(self._kept, cross, self._newlines, self._limit)
        chunks = len(self._ranges)
        return Verdict(self._size, chunks, self._records, self._count + len(cross), issues)


def validate_file(
    path: str,
    kind: RecipeKind,
    limits: ValidationLimits | None = None,
    *,
    processes: int | None = None,
    on_progress: OnProgress | None = None,
) -> Verdict:
    """Validate the file at ``path`` as a ``kind`` recipe, on ``processes`` cores (default all).

    Examples
    --------
    >>> validate_file("examples/arm.ndjson", "stream").valid
    True
    """
    limits = limits or ValidationLimits()
    size = os.path.getsize(path)
    plan = plan_chunks(
        size,
        kind,
        chunk_size=limits.chunk_size_bytes,
        direct_threshold=limits.direct_threshold_bytes,
        max_document_bytes=limits.max_document_bytes,
    )
    if kind == "asset":  # opaque bytes: nothing to validate
        return Verdict(size, plan.total_chunks, 0, 0)
    # The API refuses to create a document recipe this large (413 document_too_large), so no
    # content check runs; chunk 0 says the same without reading a byte.
    sniffed = kind == "stream" or size <= limits.max_document_bytes
    run = _Run(FileSniff(path, CONTENT_TYPES[kind]) if sniffed else None, size, limits, on_progress, kind)
    judge = partial(validate_range, path, kind, size=size, total_chunks=plan.total_chunks, limits=limits)
    workers = min(processes or os.cpu_count() or 1, plan.total_chunks)
    if workers <= 1:
        for span in plan.spans:
            run.add(judge(span))
        return run.finish()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: deque[AsyncResult[RangeOutcome]] = deque()
        for span in plan.spans:
            pending.append(pool.apply_async(judge, (span,)))
            while len(pending) >= 2 * workers:
                run.add(run.wait(pending.popleft()))
        while pending:
            run.add(run.wait(pending.popleft()))
    return run.finish()


class _Run:
    """One validation: the upload's content check (in this process, while the ranges are
    judged in others), the ranges' outcomes in order, and the progress."""

    def __init__(
        self,
        sniff: FileSniff | None,
        size: int,
        limits: ValidationLimits,
        on_progress: OnProgress | None,
        kind: RecipeKind,
    ) -> None:
        self._sniff = sniff
        self._builder = VerdictBuilder(size, limits, kind)
        self._size = size
        self._done = 0
        self._on_progress = on_progress

    def wait(self, result: AsyncResult[RangeOutcome]) -> RangeOutcome:
        while not result.ready() and self._sniff is not None and self._sniff.step():
            pass
        return result.get()

    def add(self, outcome: RangeOutcome) -> None:
        self._builder.add(outcome)
        self._done += outcome.span.end - outcome.span.start
        if self._on_progress is not None:
            self._on_progress(self._done, self._size)

    def finish(self) -> Verdict:
        verdict = self._builder.finish()
        refused = self._sniff.issues() if self._sniff is not None else []
        if refused:  # the upload refuses the file before any chunk is validated
            return Verdict(verdict.size_bytes, verdict.chunks, 0, len(refused), refused)
        return verdict
