"""The hostile contents of issue 10 (truncated, not UTF-8, BOM, CRLF, 50 MB lines, 100k-deep
nesting, duplicate keys, out-of-range numbers, a checksum lie) and how each must end."""

from __future__ import annotations

import hashlib
import json

from soak_checks import MIB, Case

from circulion.recipes.examples import HEADER, document, line, step, stream_lines

JSON, NDJSON, ASSET = "application/json", "application/x-ndjson", "application/octet-stream"


def _stream(*records: bytes) -> bytes:
    return line(HEADER) + b"".join(records)


def _doc_with_step(raw_step: bytes) -> bytes:
    doc = json.dumps({**HEADER, "steps": ["__STEP__"]}).encode()
    return doc.replace(b'"__STEP__"', raw_step)


_STEP = json.dumps(step(1)).encode()  # an unscrew step: {"torque_nm": 2.5, ...}
assert b"2.5" in _STEP
_DEEP = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
_LONG_TARGET = json.dumps({**step(2), "target": "x" * (50 * MIB)}).encode() + b"\n"

CONTENT_CASES: list[Case] = [
    Case("truncated-json", JSON, json.dumps(document(6)).encode()[:-9], "REJECTED", frozenset({"invalid_json"})),
    Case("truncated-ndjson", NDJSON, b"".join(stream_lines(20))[:-15], "REJECTED", frozenset({"invalid_json"})),
    Case("invalid-utf8-json", JSON, _doc_with_step(_STEP.replace(b"part-1", b"p\xff\xfe")), "REJECTED",
         frozenset({"not_utf8"})),
    Case("invalid-utf8-ndjson", NDJSON, _stream(line(step(1)), _STEP.replace(b"part-1", b"\xc3\x28") + b"\n"),
         "REJECTED", frozenset({"not_utf8"})),
    Case("bom-json", JSON, b"\xef\xbb\xbf" + json.dumps(document(3)).encode(), "REJECTED",
         frozenset({"bom_not_allowed"})),
    Case("bom-ndjson", NDJSON, b"\xef\xbb\xbf" + b"".join(stream_lines(3)), "REJECTED", frozenset({"bom_not_allowed"})),
    Case("crlf-ndjson", NDJSON, b"".join(stream_lines(30)).replace(b"\n", b"\r\n")),
    Case("crlf-json", JSON, json.dumps(document(4), indent=2).replace("\n", "\r\n").encode()),
    Case("single-50mb-line-ndjson", NDJSON, _stream(line(step(1)), _LONG_TARGET), "REJECTED",
         frozenset({"record_too_long"})),
    Case("single-50mb-line-json", JSON, _doc_with_step(_LONG_TARGET.rstrip()), "REJECTED",
         frozenset({"document_too_large"})),
    Case("nested-100k-json", JSON, _doc_with_step(_DEEP), "REJECTED", frozenset({"too_deeply_nested"})),
    Case("nested-100k-ndjson", NDJSON, _stream(line(step(1)), _DEEP + b"\n"), "REJECTED",
         frozenset({"too_deeply_nested"})),
    Case("duplicate-keys-json", JSON, _doc_with_step(b'{"step_id": 1, "step_id": 2, "action": "cut"}'), "REJECTED",
         frozenset({"duplicate_key"})),
    Case("duplicate-keys-ndjson", NDJSON, _stream(line(step(1)), b'{"step_id":2,"step_id":3,"action":"cut"}\n'),
         "REJECTED", frozenset({"duplicate_key"})),
    Case("number-beyond-float-json", JSON, _doc_with_step(_STEP.replace(b"2.5", b"1e400")), "REJECTED",
         frozenset({"number_out_of_range"})),
    Case("integer-5000-digits-ndjson", NDJSON, _stream(_STEP.replace(b"2.5", b"9" * 5000) + b"\n"), "REJECTED",
         frozenset({"number_out_of_range"})),
    Case("nan-json", JSON, _doc_with_step(_STEP.replace(b"2.5", b"NaN")), "REJECTED",
         frozenset({"non_finite_number"})),
    Case("infinity-ndjson", NDJSON, _stream(_STEP.replace(b"2.5", b"-Infinity") + b"\n"), "REJECTED",
         frozenset({"non_finite_number"})),
    Case("checksum-lie", JSON, json.dumps(document(2)).encode(), "REJECTED", frozenset({"checksum_mismatch"}),
         declared_sha256=hashlib.sha256(b"not this").hexdigest()),
]  # fmt: skip
