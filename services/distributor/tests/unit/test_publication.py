"""Pointer rules: only forward, re-publication is a no-op, content is the contract."""

from __future__ import annotations

import pytest

from chalicelib.publication import Pointer, PointerMove, classify, pointer_key
from chalicelib.versions import order_key


def pointer(version: str, recipe_id: str = "r") -> Pointer:
    return Pointer(
        "t",
        "n",
        version,
        order_key(version),
        recipe_id,
        f"artifacts/t/n/{version}/{recipe_id}.zip",
        "0" * 64,
        1,
        "2026-11-22T12:00:00+00:00",
    )


@pytest.mark.parametrize(
    ("candidate", "current", "move"),
    [
        (pointer("1.0.0"), None, PointerMove.MOVED),
        (pointer("1.1.0", "b"), pointer("1.0.0", "a"), PointerMove.MOVED),
        (pointer("1.0.0", "a"), pointer("1.1.0", "b"), PointerMove.STALE),
        (pointer("1.0.0", "a"), pointer("1.0.0", "a"), PointerMove.CURRENT),
        (pointer("1", "b"), pointer("1.0.0", "a"), PointerMove.STALE),
        (pointer("2.0.0-rc.1", "b"), pointer("2.0.0", "a"), PointerMove.STALE),
    ],
)
def test_classify(candidate: Pointer, current: Pointer | None, move: PointerMove) -> None:
    assert classify(candidate, current) is move


def test_pointer_document_and_paths() -> None:
    p = pointer("1.2.3", "rid")
    assert p.document() == {
        "name": "n",
        "version": "1.2.3",
        "recipe_id": "rid",
        "key": "artifacts/t/n/1.2.3/rid.zip",
        "path": "/artifacts/t/n/1.2.3/rid.zip",
        "sha256": "0" * 64,
        "size": 1,
        "published_at": "2026-11-22T12:00:00+00:00",
        "generation": 0,
    }
    assert p.object_key == pointer_key("t", "n") == "artifacts/t/n/latest.json"
    assert p.path == "/artifacts/t/n/latest.json"
