"""One recipe as the fake upload API holds it, and its view as the API answers it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class FakeRecipe:
    recipe_id: str
    name: str
    version: str
    size: int
    sha256: str
    content_type: str
    status: str = "AWAITING_UPLOAD"
    arrived: bool = False
    file_name: str | None = None
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    upload_id: str | None = None
    part_count: int = 1
    parts: dict[int, bytes] = field(default_factory=dict)
    after_complete: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    progress: dict[str, Any] = field(default_factory=lambda: {"chunks_total": None, "chunks_done": 0})

    def view(self) -> dict[str, Any]:
        return {
            "recipe_id": self.recipe_id,
            "name": self.name,
            "version": self.version,
            "status": self.status,
            "size": self.size,
            "sha256": self.sha256,
            "content_type": self.content_type,
            "created_at": self.created_at,
            "updated_at": self.created_at,
            "progress": self.progress,
            "errors": self.errors,
            "artifact": None,
        }
