"""Handlers of ``recipe.merged``, in two passes over one batch.

``publish`` moves each record's pointer and claims the pointer path for invalidation; after
the whole batch is published, :meth:`BatchInvalidation.invalidate` makes as few
invalidations as CloudFront's bounds allow; ``announce`` then emits each record's
``recipe.distributed`` — or raises its invalidation's error so that record is retried.

Every request is recorded as its recipes' pending request before CloudFront is called. A
process that dies after CloudFront made the invalidation but before it was recorded leaves
its recipes pending; their retry, whatever batch it lands in, resends exactly that request
(same paths, same caller reference), which CloudFront answers with the invalidation it
already made instead of invalidating the pointers a second time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from chalicelib import generations, pointer_object
from chalicelib.cdn import CdnThrottled
from chalicelib.deps import Deps
from chalicelib.invalidation import InvalidationRequest, PathClaim, month_of, plan_invalidations
from chalicelib.publication import PointerMove, pointer_key
from circulion import log, metrics
from circulion.cdn_signing import cdn_path
from circulion.contracts.envelope import Envelope
from circulion.contracts.events import RecipeDistributed, RecipeDistributedPayload, RecipeMerged
from circulion.errors import TransientError

SERVICE = "distributor"
_POINTER_WRITE_ATTEMPTS = 3

_log = logging.getLogger(__name__)


class InvalidationPending(TransientError):
    """The record's pointer moved but its invalidation has not been made."""

    code = "invalidation_pending"


class PlannedElsewhere(TransientError):
    """A recipe of the request is already pending on another request; retry to resend that."""

    code = "invalidation_planned_elsewhere"


class BatchInvalidation:
    """One invocation's pointer paths, invalidated together once every pointer has moved.

    Mutable on purpose and short-lived: built per invocation, never shared.
    """

    def __init__(self) -> None:
        self._claims: list[PathClaim] = []
        self._resends: dict[str, InvalidationRequest] = {}
        self._outcomes: dict[str, str | None] = {}
        self._errors: dict[str, Exception] = {}

    @property
    def published(self) -> frozenset[str]:
        """Recipes whose pointer step succeeded in this batch."""
        resent = {r for request in self._resends.values() for r in request.recipe_ids}
        return frozenset({c.recipe_id for c in self._claims} | resent | set(self._outcomes))

    def claim(self, recipe_id: str, version: str, path: str) -> None:
        self._claims.append(PathClaim(recipe_id, version, path))

    def resend(self, request: InvalidationRequest) -> None:
        """A request planned earlier whose outcome was never recorded: send it again, verbatim."""
        self._resends[request.caller_reference] = request

    def settle(self, recipe_id: str, invalidation_id: str | None) -> None:
        """The recipe needs no new invalidation (already made, or its pointer did not move)."""
        self._outcomes.setdefault(recipe_id, invalidation_id)

    def throttled(self, recipe_id: str) -> bool:
        return isinstance(self._errors.get(recipe_id), CdnThrottled)

    def invalidate(self, deps: Deps) -> None:
        """Create (or find) the batch's invalidations; remember each recipe's id or error."""
        settings = deps.settings
        requests = plan_invalidations(
            self._claims,
            max_paths=settings.max_paths_per_invalidation,
            max_wildcards=settings.max_wildcards_per_invalidation,
        )
        month = month_of(deps.clock())
        planned = set(self._resends)
        for request in [*self._resends.values(), *requests]:
            try:
                invalidation_id = deps.store.find_invalidation(request.caller_reference)
                if invalidation_id is None:
                    if request.caller_reference not in planned:
                        _plan(deps, request)
                    invalidation_id = deps.cdn.create_invalidation(request.paths, request.caller_reference)
                    if deps.store.record_invalidation(request.caller_reference, invalidation_id, request.paths, month):
                        _count(deps, len(request.paths), month)
                # Nothing is written per recipe: each is pending on this request, which now
                # names its invalidation (see `settled_or_resent`).
            except Exception as exc:  # noqa: BLE001 - re-raised for each of its records by `announce`
                _log.warning(
                    "invalidation failed; its records will be retried",
                    extra=log.fields(paths=len(request.paths), error=f"{type(exc).__name__}: {exc}"),
                )
                if isinstance(exc, CdnThrottled):
                    metrics.emit(SERVICE, "InvalidationThrottled", 1)
                for recipe_id in request.recipe_ids:
                    self._errors[recipe_id] = exc
                continue
            _log.info(
                "invalidation covers the batch's pointers",
                extra=log.fields(invalidation_id=invalidation_id, paths=len(request.paths)),
            )
            for recipe_id in request.recipe_ids:
                self._outcomes[recipe_id] = invalidation_id

    def outcome(self, recipe_id: str) -> str | None:
        """The invalidation id covering the recipe; raises the error that prevented it."""
        if recipe_id in self._errors:
            raise self._errors[recipe_id]
        if recipe_id not in self._outcomes:
            raise InvalidationPending(f"no invalidation recorded for recipe {recipe_id}")
        return self._outcomes[recipe_id]


def publish(message: RecipeMerged, deps: Deps, batch: BatchInvalidation) -> Sequence[Envelope]:
    """Move the name's pointer forward if this version is newer; claim its path."""
    advanced = generations.advance(message, deps)
    if advanced is None:  # withdrawn: a late redelivery must not announce it again
        return []
    move, candidate, winner = advanced
    _log.info(
        "pointer publication",
        extra=log.fields(move=move.value, version=candidate.version, pointer_version=winner.version),
    )
    if move is PointerMove.STALE:
        batch.settle(message.recipe_id, None)
        return []
    pointer_object.sync(
        deps.objects, deps.settings.resources.artifacts_bucket, deps.store, winner.tenant_id, winner.name, known=winner
    )
    if move is not PointerMove.CURRENT or not settled_or_resent(deps, batch, message.recipe_id):
        batch.claim(message.recipe_id, candidate.version, candidate.path)
    return []


def settled_or_resent(deps: Deps, batch: BatchInvalidation, key: str) -> bool:
    """A record seen before: settle it with its invalidation, or resend the request planned for it.

    A recipe's invalidation is the one its pending request made (older rows also record it
    on the recipe). Planned but never recorded as made, a crash may have hit after
    CloudFront: the request is resent verbatim, and CloudFront answers with what it made.
    ``False``: nothing was planned for it; claim its path.
    """
    known = deps.store.recipe_invalidation(key)
    if known is None:
        pending = deps.store.pending_invalidation(key)
        if pending is None:
            return False
        known = deps.store.find_invalidation(pending.caller_reference)
        if known is None:
            batch.resend(pending)
            return True
    batch.settle(key, known)
    return True


def announce(message: RecipeMerged, deps: Deps, batch: BatchInvalidation) -> Sequence[Envelope]:
    """Emit ``recipe.distributed`` once the recipe's invalidation (if any) exists."""
    invalidation_id = batch.outcome(message.recipe_id)
    artifact = message.payload.artifact
    payload = RecipeDistributedPayload(
        artifact=artifact,
        download_path=cdn_path(artifact.key),
        pointer_path=cdn_path(pointer_key(message.tenant_id, message.payload.recipe.name)),
        invalidation_id=invalidation_id,
    )
    return [message.follow(RecipeDistributed, payload)]


def _plan(deps: Deps, request: InvalidationRequest) -> None:
    """Record the request before sending it; refuse to send one that would overlap another."""
    elsewhere = deps.store.plan_invalidation(request)
    if elsewhere:
        raise PlannedElsewhere(f"recipes {', '.join(elsewhere)} are pending on another invalidation request")


def _count(deps: Deps, paths: int, month: str) -> None:
    metrics.emit(SERVICE, "InvalidatedPaths", paths)
    metrics.emit(SERVICE, "InvalidatedPathsThisMonth", deps.store.invalidated_paths(month), month=month)
