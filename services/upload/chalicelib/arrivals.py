"""The validation queue's batches: S3 notifications, each run by :func:`handlers.validate`.

S3 carries no trace, so parsing a notification reads the recipe for the trace its API
request started; the handler then needs the same record. :class:`RecipeReads` hands the
read over, so each record reads its recipe once.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalice.app import SQSEvent

from chalicelib import handlers
from chalicelib.deps import Deps
from chalicelib.notifications import NotificationIgnored, ObjectArrived, parse_notification
from chalicelib.recipe import Recipe
from chalicelib.store import RecipeStore
from circulion.batch import Consumer, for_each_record
from circulion.contracts.envelope import Envelope
from circulion.lambda_types import BatchResponse, SqsRecord

EXPECTED = (ObjectArrived, NotificationIgnored)


class RecipeReads:
    """Recipes read while parsing a record, each given once to that record's handler."""

    def __init__(self, store: RecipeStore) -> None:
        self._store = store
        self._read: dict[str, Recipe | None] = {}

    def trace_of(self, recipe_id: str) -> str | None:
        """The trace header stored when the API created the recipe (the parse step's read)."""
        recipe = self._store.get(recipe_id)
        self._read[recipe_id] = recipe
        return recipe.trace_header if recipe else None

    def take(self, recipe_id: str) -> Recipe | None:
        """The recipe read for this record's trace; read again if it was not (or failed)."""
        if recipe_id in self._read:
            return self._read.pop(recipe_id)
        return self._store.get(recipe_id)


def validate_batch(event: SQSEvent, deps: Deps, consumer: Consumer) -> BatchResponse:
    """Parse and validate every notification of ``event``; the partial batch response."""
    reads = RecipeReads(deps.store)

    def parse(record: SqsRecord) -> Envelope:
        return parse_notification(record, reads.trace_of)

    def validate(message: ObjectArrived | NotificationIgnored, d: Deps) -> Sequence[Envelope]:
        return handlers.validate(message, d, read_recipe=reads.take)

    return for_each_record(event, EXPECTED, validate, deps, consumer, parse=parse)  # type: ignore[arg-type]
