"""Forward in (generation, SemVer): the pure rules of withdrawal and restore."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.name_versions import VersionEntry, best_live
from chalicelib.publication import PointerMove, classify
from chalicelib.versions import order_key


def entry(version: str, recipe_id: str = "r", withdrawn: bool = False) -> VersionEntry:
    return VersionEntry(
        "t",
        "n",
        recipe_id,
        version,
        order_key(version),
        f"artifacts/t/n/{version}/{recipe_id}.zip",
        "0" * 64,
        1,
        "2026-12-01T00:00:00+00:00",
        withdrawn=withdrawn,
    )


@pytest.mark.parametrize(
    ("candidate_generation", "current_generation", "move"),
    [(0, 1, PointerMove.REGENERATED), (1, 1, PointerMove.MOVED), (2, 1, PointerMove.REGENERATED)],
)
def test_a_higher_version_of_another_generation_never_moves_the_pointer(
    candidate_generation: int, current_generation: int, move: PointerMove
) -> None:
    current = entry("1.0.0", "a").pointer(current_generation)
    assert classify(entry("9.0.0", "b").pointer(candidate_generation), current) is move


def test_within_a_generation_versions_still_only_move_forward() -> None:
    current = entry("2.0.0", "a").pointer(3)
    assert classify(entry("1.0.0", "b").pointer(3), current) is PointerMove.STALE
    assert classify(replace(current), current) is PointerMove.CURRENT


def test_best_live_is_the_highest_semver_not_withdrawn() -> None:
    entries = [entry("1.9.0", "a"), entry("1.10.0", "b", withdrawn=True), entry("1.2.0", "c"), entry("2.0.0-rc.1", "d")]
    best = best_live(entries)
    assert best is not None and best.version == "2.0.0-rc.1"
    assert best_live([entry("1.0.0", withdrawn=True)]) is None
    assert best_live([]) is None


def test_best_live_breaks_equal_ranks_the_same_way_every_time() -> None:
    one, other = entry("1.0.0", "a"), entry("1", "b")
    assert best_live([one, other]) == best_live([other, one]) == other


def test_a_version_entry_becomes_the_pointer_of_a_generation() -> None:
    pointer = entry("1.2.3", "x").pointer(7)
    assert (pointer.version, pointer.recipe_id, pointer.generation) == ("1.2.3", "x", 7)
    assert pointer.document()["path"] == "/artifacts/t/n/1.2.3/x.zip"
