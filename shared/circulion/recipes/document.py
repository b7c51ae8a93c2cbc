"""A whole recipe as one JSON document (``application/json``)."""

from __future__ import annotations

from pydantic import Field

from circulion.recipes.safety import RecipeHeader
from circulion.recipes.steps import Step


class RecipeDocument(RecipeHeader):
    """The header plus its steps, in order."""

    steps: list[Step] = Field(min_length=1, max_length=100_000)
