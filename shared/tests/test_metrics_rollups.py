"""Rollup dimension sets and size classes of :mod:`circulion.metrics`."""

from __future__ import annotations

import pytest

from circulion import metrics


def _sets(doc: dict[str, object]) -> object:
    return doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"]  # type: ignore[index]


def test_rollups_add_dimension_sets_that_always_keep_the_service() -> None:
    doc = metrics.document(
        "upload",
        {"EndToEndLatency": (1.0, "Milliseconds")},
        {"kind": "document", "size_class": "small"},
        0,
        [("kind",), ()],
    )
    assert _sets(doc) == [["kind", "service", "size_class"], ["kind", "service"], ["service"]]


def test_without_the_full_set_only_the_rollups_are_kept() -> None:
    doc = metrics.document(
        "upload", {"Rejected": (1, "Count")}, {"tenant": "t", "code": "c"}, 0, [("tenant",), ("code",)], full_set=False
    )
    assert _sets(doc) == [["service", "tenant"], ["code", "service"]]
    with pytest.raises(ValueError, match="at least one rollup"):
        metrics.document("upload", {"Rejected": (1, "Count")}, {"tenant": "t"}, 0, full_set=False)


def test_a_rollup_naming_an_absent_dimension_is_refused() -> None:
    with pytest.raises(ValueError, match="not in the document"):
        metrics.document("upload", {"X": (1, "Count")}, {"kind": "asset"}, 0, [("tenant",)])


def test_size_classes_are_bounded() -> None:
    assert [metrics.size_class(n) for n in (10_000, 8 << 20, 512 << 20, 4 << 30)] == [
        "small",
        "medium",
        "large",
        "huge",
    ]
