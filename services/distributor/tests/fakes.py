"""In-memory fakes of the distributor's ports, with the same conditional semantics.

``test_store_contract.py`` runs one suite against :class:`InMemoryDistributionStore` and
the DynamoDB adapter, so the fake cannot drift from the table.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from chalicelib.cdn import CdnThrottled
from chalicelib.invalidation import InvalidationRequest
from chalicelib.publication import Pointer, PointerMove, classify
from circulion.lambda_types import SqsRecord


class InMemoryDistributionStore:
    """:class:`chalicelib.store.DistributionStore` in dicts."""

    def __init__(self) -> None:
        self.pointers: dict[tuple[str, str], Pointer] = {}
        self.generations: dict[tuple[str, str], int] = {}
        self.revisions: dict[tuple[str, str], int] = {}
        self.recipes: dict[str, str] = {}
        self.invalidations: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.planned: dict[str, InvalidationRequest] = {}
        self.pending: dict[str, str] = {}
        self.usage: dict[str, int] = {}
        self.faults: dict[str, int] = {}

    def advance_pointer(self, candidate: Pointer) -> tuple[PointerMove, Pointer]:
        key = (candidate.tenant_id, candidate.name)
        if self.generations.get(key, 0) != candidate.generation:
            return PointerMove.REGENERATED, candidate
        current = self.pointers.get(key)
        move = classify(candidate, current)
        if move is PointerMove.MOVED:
            self.pointers[key] = candidate
            self.revisions[key] = self.revisions.get(key, 0) + 1
            return move, candidate
        assert current is not None
        return move, current

    def current_pointer(self, tenant_id: str, name: str) -> Pointer | None:
        return self.pointers.get((tenant_id, name))

    def pointer_generation(self, tenant_id: str, name: str) -> int:
        return self.generations.get((tenant_id, name), 0)

    def recipe_invalidation(self, recipe_id: str) -> str | None:
        return self.recipes.get(recipe_id)

    def record_recipe_invalidation(self, recipe_ids: Sequence[str], invalidation_id: str) -> None:
        for recipe_id in recipe_ids:
            self.recipes.setdefault(recipe_id, invalidation_id)

    def plan_invalidation(self, request: InvalidationRequest) -> tuple[str, ...]:
        self.planned.setdefault(request.caller_reference, request)
        for recipe_id in request.recipe_ids:
            self.pending.setdefault(recipe_id, request.caller_reference)
        return tuple(r for r in request.recipe_ids if self.pending[r] != request.caller_reference)

    def pending_invalidation(self, recipe_id: str) -> InvalidationRequest | None:
        reference = self.pending.get(recipe_id)
        return self.planned[reference] if reference is not None else None

    def find_invalidation(self, caller_reference: str) -> str | None:
        found = self.invalidations.get(caller_reference)
        return found[0] if found else None

    def record_invalidation(
        self, caller_reference: str, invalidation_id: str, paths: Sequence[str], month: str
    ) -> bool:
        if caller_reference in self.invalidations:
            return False
        self.invalidations[caller_reference] = (invalidation_id, tuple(paths))
        self.usage[month] = self.usage.get(month, 0) + len(paths)
        return True

    def invalidated_paths(self, month: str) -> int:
        return self.usage.get(month, 0)

    def take_fault(self, name: str) -> bool:
        if self.faults.get(name, 0) > 0:
            self.faults[name] -= 1
            return True
        return False


@dataclass
class FakeCdn:
    """Records invalidations; throttles the first ``throttle_first`` calls.

    Like CloudFront (and unlike the emulator), a repeated caller reference returns the
    invalidation it already made.
    """

    throttle_first: int = 0
    calls: int = 0
    created: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def create_invalidation(self, paths: Sequence[str], caller_reference: str) -> str:
        self.calls += 1
        if self.calls <= self.throttle_first:
            raise CdnThrottled("CreateInvalidation: TooManyInvalidationsInProgress")
        if caller_reference in self.created:
            return self.created[caller_reference][0]
        invalidation_id = f"I{next(self._ids):04d}"
        self.created[caller_reference] = (invalidation_id, tuple(paths))
        return invalidation_id

    @property
    def invalidations(self) -> list[tuple[str, ...]]:
        return [paths for _, paths in self.created.values()]


@dataclass
class InMemoryRetryScheduler:
    """Records the backoff asked for each message."""

    delays: list[tuple[str, int]] = field(default_factory=list)

    def delay(self, record: SqsRecord, seconds: int) -> None:
        self.delays.append((record["messageId"], seconds))
