"""The calls an upload makes on the API: the port :mod:`circulion_cli.upload` depends on.

:class:`circulion_cli.client.CirculionClient` implements it and calls the upload flow, so
the flow names this Protocol rather than the client: no import runs back to ``client``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from circulion_cli.models import CreatedRecipe, PartUrls, Recipe, UploadedPart
    from circulion_cli.retry import RetryPolicy
    from circulion_cli.transport import Transport


class UploadApi(Protocol):
    """Port: the upload API as one upload uses it (plus the transport its part PUTs go through)."""

    api_url: str
    token: str | None
    transport: Transport
    retry: RetryPolicy

    def check_access(self) -> None:
        """Fail fast on a bad token."""
        ...

    def create(
        self, *, name: str, size: int, sha256: str, content_type: str, version: str | None, file_name: str | None
    ) -> CreatedRecipe:
        """``POST /recipes``."""
        ...

    def get(self, recipe_id: str) -> Recipe:
        """``GET /recipes/{id}``."""
        ...

    def part_urls(self, recipe_id: str, first: int, count: int) -> PartUrls:
        """Fresh presigned URLs for parts ``first .. first + count - 1``."""
        ...

    def complete(self, recipe_id: str, parts: Sequence[UploadedPart]) -> None:
        """Complete the multipart upload."""
        ...
