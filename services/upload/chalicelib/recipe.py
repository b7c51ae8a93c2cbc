"""The recipe as the upload service records it: status, declaration, progress, outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.errors import VersionsExhausted
from circulion import identifiers, upload_keys


class Status(StrEnum):
    """Where a recipe is. Progress statuses are ordered; the last three are terminal.

    ``ABORTED`` is the customer's own cancellation of an unfinished upload. ``WITHDRAWN``
    is a distributed recipe an admin pulled back (restoring it makes it ``DISTRIBUTED`` again).
    """

    AWAITING_UPLOAD = "AWAITING_UPLOAD"
    VALIDATING = "VALIDATING"
    PROCESSING = "PROCESSING"
    MERGING = "MERGING"
    DISTRIBUTING = "DISTRIBUTING"
    DISTRIBUTED = "DISTRIBUTED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    ABORTED = "ABORTED"
    WITHDRAWN = "WITHDRAWN"


PROGRESS_ORDER: tuple[Status, ...] = (
    Status.AWAITING_UPLOAD,
    Status.VALIDATING,
    Status.PROCESSING,
    Status.MERGING,
    Status.DISTRIBUTING,
    Status.DISTRIBUTED,
)

TERMINAL: frozenset[Status] = frozenset(
    {Status.DISTRIBUTED, Status.REJECTED, Status.FAILED, Status.ABORTED, Status.WITHDRAWN}
)

CONTENT_KINDS: dict[str, str] = {
    "application/json": "document",
    "application/x-ndjson": "stream",
    "application/octet-stream": "asset",
}
"""Allowed content types and the processing kind each one gets."""

NAME_PATTERN = identifiers.compiled(identifiers.RECIPE_NAME)
VERSION_PATTERN = identifiers.compiled(identifiers.RECIPE_VERSION)
FIRST_VERSION = "1.0.0"
MAX_COMPONENT = 999_999_999
"""Each of MAJOR, MINOR, PATCH has at most nine digits (:data:`VERSION_PATTERN`)."""
LAST_VERSION = f"{MAX_COMPONENT}.{MAX_COMPONENT}.{MAX_COMPONENT}"


def rank(status: Status) -> int:
    """Position in the progress order; terminal failures rank above everything."""
    return PROGRESS_ORDER.index(status) if status in PROGRESS_ORDER else len(PROGRESS_ORDER)


def name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid recipe name, or ``None``.

    Names become S3 key segments and CDN paths, so path tricks (``..``, leading dots,
    slashes) are refused rather than escaped.
    """
    if not NAME_PATTERN.fullmatch(name):
        return "1-128 characters of letters, digits, '.', '_' and '-', starting with a letter or digit"
    if ".." in name:
        return "must not contain '..'"
    return None


def file_name_problem(file_name: str) -> str | None:
    """Why ``file_name`` cannot name the file inside the archive, or ``None``."""
    if any(ch in file_name for ch in "/\\") or file_name in (".", ".."):
        return "a file name without a directory"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in file_name):
        return "must not contain control characters"
    return None


def version_key(version: str) -> tuple[int, int, int]:
    """Numeric sort key of a ``MAJOR.MINOR.PATCH`` version."""
    major, minor, patch = (int(p) for p in version.split("."))
    return major, minor, patch


def next_version(existing: list[str]) -> str:
    """The version an upload without an explicit one gets: the one after the highest.

    That is one patch up; a patch at :data:`MAX_COMPONENT` carries into the minor (then the
    major) as digits do, so ``1.0.999999999`` is followed by ``1.1.0``. After
    :data:`LAST_VERSION` there is none: :class:`VersionsExhausted` (409).
    """
    valid = [v for v in existing if VERSION_PATTERN.fullmatch(v)]
    if not valid:
        return FIRST_VERSION
    major, minor, patch = max(version_key(v) for v in valid)
    if patch < MAX_COMPONENT:
        return f"{major}.{minor}.{patch + 1}"
    if minor < MAX_COMPONENT:
        return f"{major}.{minor + 1}.0"
    if major < MAX_COMPONENT:
        return f"{major + 1}.0.0"
    raise VersionsExhausted(
        f"no automatic version follows {LAST_VERSION}; give a free version explicitly or use a new name",
        details={"highest_version": LAST_VERSION},
    )


@dataclass(frozen=True)
class Multipart:
    upload_id: str
    part_size: int
    part_count: int


@dataclass(frozen=True)
class Artifact:
    bucket: str
    key: str
    size_bytes: int
    sha256: str
    download_path: str | None = None


@dataclass(frozen=True)
class Withdrawal:
    """Who withdrew a recipe, when and why."""

    by: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class Restoration:
    by: str
    at: datetime


@dataclass(frozen=True)
class Recipe:
    """One upload of one version of a named recipe, owned by a tenant."""

    recipe_id: str
    tenant_id: str
    name: str
    version: str
    content_type: str
    size: int
    sha256: str
    status: Status
    created_at: datetime
    updated_at: datetime
    bucket: str
    key: str
    multipart: Multipart | None = None
    upload_completed: bool = False
    trace_header: str | None = None
    chunks_total: int | None = None
    chunks_done: int = 0
    errors: tuple[dict[str, object], ...] = ()
    artifact: Artifact | None = None
    failed_at: datetime | None = None
    validation_lease_until: datetime | None = None
    revision: int = 0
    file_name: str | None = None
    distributed_at: datetime | None = None
    withdrawn: Withdrawal | None = None
    restored: Restoration | None = None
    withdrawal_sequence: int = 0
    """Withdraw and restore requests so far; each command event carries its number."""
    arrived_at: datetime | None = None
    """When validation first claimed the uploaded object: "upload complete" for the metrics."""
    milestones: tuple[tuple[str, datetime], ...] = ()
    """First time the projection saw each stage end (see :mod:`chalicelib.timings`)."""

    def moments(self) -> dict[str, datetime]:
        """Every milestone, the arrival included."""
        found = dict(self.milestones)
        if self.arrived_at is not None:
            found.setdefault("arrived", self.arrived_at)
        return found

    @property
    def failed_in_validation(self) -> bool:
        """``FAILED`` by the validation stage itself (a missing permission, retries spent):
        a redrive of its object notification runs the validation again."""
        return self.status is Status.FAILED and any(e.get("stage") == "validation" for e in self.errors)

    @property
    def kind(self) -> str:
        return CONTENT_KINDS[self.content_type]


def object_key(tenant_id: str, recipe_id: str) -> str:
    """Where the customer's bytes land in the uploads bucket."""
    return upload_keys.incoming_key(tenant_id, recipe_id)
