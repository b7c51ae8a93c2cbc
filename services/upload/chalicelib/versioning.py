"""Claiming the automatic version when many uploads of one name race for it.

Every racer reads the claimed versions and tries the next one; the table's conditional
write lets exactly one win each version. A loser waits a jittered moment and tries again
from what it now knows (the version it lost is taken even if its re-read lags), so every
loss is another request's win: with up to :data:`AUTO_VERSION_ATTEMPTS` concurrent creates
of one name, all of them succeed with distinct versions, and none sees a 503.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import replace

from chalicelib.errors import Unavailable, VersionTaken
from chalicelib.recipe import Recipe, next_version
from chalicelib.store import RecipeStore

AUTO_VERSION_ATTEMPTS = 64
BACKOFF_BASE_S = 0.005
BACKOFF_CAP_S = 0.1
"""Full jitter: the n-th wait is uniform in [0, min(cap, base * 2**n)]; about 3 s in all at worst."""


def backoff_s(attempt: int, draw: Callable[[], float] = random.random) -> float:
    """How long a loser waits before its next try (full jitter, capped)."""
    return float(draw() * min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt))


def store_with_next_version(recipe: Recipe, store: RecipeStore, sleep: Callable[[float], None] = time.sleep) -> Recipe:
    """Store ``recipe`` under the next free version of its name and return it as stored.

    Raises
    ------
    VersionsExhausted
        No version follows the highest one (409).
    Unavailable
        More than :data:`AUTO_VERSION_ATTEMPTS` racers in a row won first (503, retry).
    """
    lost: list[str] = []
    for attempt in range(AUTO_VERSION_ATTEMPTS):
        candidate = replace(recipe, version=next_version(store.versions(recipe.tenant_id, recipe.name) + lost))
        try:
            store.create(candidate)
        except VersionTaken:
            lost.append(candidate.version)
            sleep(backoff_s(attempt))
            continue
        return candidate
    raise Unavailable(
        f"could not allocate a version of {recipe.name} after {AUTO_VERSION_ATTEMPTS} attempts; try again",
        code="version_contention",
    )
