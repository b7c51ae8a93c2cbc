"""Which NDJSON records a chunk owns, found while its bytes stream past.

A record belongs to the chunk holding its first byte. Record starts are offset 0 and
every offset right after a ``\\n``, so the rule needs only the byte before a chunk: the
scanner is fed from ``start - 1`` (or 0). If that byte is ``\\n`` the record at ``start``
is owned; otherwise the partial record is skipped up to the next newline, because the
previous chunk finishes it. The last owned record is finished by reading past ``end``.
Splitting only on the ``\\n`` byte never cuts a UTF-8 character (continuation bytes are
never 0x0A) and leaves a CRLF's ``\\r`` to the record, where JSON treats it as whitespace.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Record:
    """One owned record, without its ``\\n``.

    ``data`` holds at most ``max_record_bytes + 1`` bytes; ``length`` is the full length.
    ``chunk_line`` is 1 + the newlines in ``[chunk start, offset)``.
    """

    offset: int
    chunk_line: int
    length: int
    data: bytes

    def too_long(self, limit: int) -> bool:
        return self.length > limit


@dataclass(frozen=True)
class RecordRun:
    """Consecutive owned records lying whole in one piece: ``data`` is their bytes joined
    by their ``\\n`` (none after the last). Positions of the records after the first are
    derived only when one needs them (:meth:`records`), so the common case costs no
    Python per record."""

    offset: int
    chunk_line: int
    data: bytes

    def lines(self) -> list[bytes]:
        return self.data.split(b"\n")

    def records(self, limit: int) -> list[Record]:
        return records_at(self.lines(), self.offset, self.chunk_line, limit)


def records_at(lines: list[bytes], offset: int, chunk_line: int, limit: int) -> list[Record]:
    """Consecutive ``\\n``-separated records as :class:`Record`, the first at ``offset``."""
    out = []
    for number, line in enumerate(lines, start=chunk_line):
        out.append(Record(offset, number, len(line), line[: limit + 1]))
        offset += len(line) + 1
    return out


class RecordScanner:
    """Feed bytes from :attr:`first_offset` on, in order; collect owned records."""

    def __init__(self, start: int, end: int, max_record_bytes: int) -> None:
        self._start = start
        self._end = end
        self._limit = max_record_bytes
        self.first_offset = start - 1 if start > 0 else 0
        self._pos = self.first_offset
        self._newlines = 0  # newlines at offsets >= start seen so far
        self._owned = start == 0 and end > 0
        self._record_start = 0
        self._record_line = 1
        self._length = 0
        self._buffer = bytearray()
        self._finished = False

    @property
    def position(self) -> int:
        """Offset of the next byte to feed."""
        return self._pos

    @property
    def done(self) -> bool:
        """No more owned records can start, and none is pending."""
        return self._finished or (not self._owned and self._pos >= self._end)

    def feed(self, piece: bytes) -> list[Record]:
        """Like :meth:`feed_runs`, one :class:`Record` per record."""
        records: list[Record] = []
        for item in self.feed_runs(piece):
            records += item.records(self._limit) if isinstance(item, RecordRun) else [item]
        return records

    def feed_runs(self, piece: bytes) -> list[Record | RecordRun]:
        """The records completed by ``piece``; those lying whole in it come as runs."""
        records: list[Record | RecordRun] = []
        i = 0
        n = len(piece)
        while i < n and not self._finished:
            j = piece.find(b"\n", i)
            stop = n if j == -1 else j
            if self._owned and j != -1 and not self._length:
                # Whole records in this piece (the common case): every record up to the last
                # newline before the ownership bound is sliced out as one run, at C speed.
                # (the bound is clamped: a negative one would count from the piece's end)
                last = piece.rfind(b"\n", j, max(j, self._end - self._pos))
                last = j if last == -1 else last
                records.append(RecordRun(self._record_start, self._record_line, piece[i:last]))
                self._newlines += piece.count(b"\n", j, last)  # the newline at `last` is counted below
                j = last
            elif self._owned:
                self._length += stop - i
                room = self._limit + 1 - len(self._buffer)
                if room > 0:
                    self._buffer += piece[i : min(stop, i + room)]
                if j != -1:
                    records.append(self._take())
            if j == -1:
                break
            newline_at = self._pos + j
            if newline_at >= self._start:
                self._newlines += 1
            self._begin(newline_at + 1)
            i = j + 1
        self._pos += n
        return records

    def finish(self, *, at_eof: bool) -> list[Record]:
        """End the scan. A pending owned record is complete only at the end of the file;
        otherwise its newline lies beyond the read-ahead bound, so it is too long."""
        self._finished = True
        if not self._owned:
            return []
        self._owned = False
        if at_eof and self._length == 0:
            return []  # the file ends with a newline: no record follows it
        if not at_eof and self._length <= self._limit:
            # Stopped early by the caller: record the length as unknown-but-too-long.
            self._length = self._limit + 1
        return [self._take()]

    def _begin(self, offset: int) -> None:
        self._owned = self._start <= offset < self._end
        if not self._owned:
            self._finished = True
            return
        self._record_start = offset
        self._record_line = 1 + self._newlines
        self._length = 0

    def _take(self) -> Record:
        record = Record(self._record_start, self._record_line, self._length, bytes(self._buffer))
        self._buffer = bytearray()
        return record
