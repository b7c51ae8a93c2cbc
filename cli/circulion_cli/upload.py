"""Uploading one file: check the token, hash, create, send (one PUT or parallel parts), complete.

The sending is :mod:`circulion_cli.part_transfer`'s; here is the flow and what resumes: every
stored part is written to the resume state at once, so a killed process loses at most the
parts in flight, and a rerun continues only the same upload (:mod:`circulion_cli.resume`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from circulion_cli.errors import NotFound
from circulion_cli.files import sha256_file
from circulion_cli.models import AWAITING_UPLOAD, UPLOADED, MultipartUpload, PartUrl, SinglePut, UploadedPart
from circulion_cli.part_transfer import Counter, PartSender, part_length, put_range
from circulion_cli.progress_events import OnNotice, OnProgress, UploadProgress
from circulion_cli.resume import FileIdentity, ResumeKey, ResumeStore, UploadState, UploadTarget, token_tenant

if TYPE_CHECKING:
    from circulion_cli.upload_api import UploadApi

__all__ = ["OnNotice", "OnProgress", "UploadOutcome", "UploadProgress", "upload_file"]

CHECK_TOKEN_FIRST_BYTES = 16 * 1024 * 1024
"""From this size on the token is checked before hashing (a smaller file hashes in well under
the time of that extra request, and small uploads are the many, latency-bound ones)."""


@dataclass(frozen=True)
class UploadOutcome:
    recipe_id: str
    parts_sent: int
    parts_skipped: int
    resumed: bool
    sha256: str


def upload_file(
    client: UploadApi,
    path: Path,
    *,
    name: str,
    version: str | None,
    content_type: str,
    store: ResumeStore | None,
    workers: int,
    on_progress: OnProgress | None,
    on_notice: OnNotice | None = None,
) -> UploadOutcome:
    """See :meth:`CirculionClient.upload_file`."""
    stat = path.stat()
    if stat.st_size >= CHECK_TOKEN_FIRST_BYTES:
        # A bad token must not cost a multi-GB hashing pass first: one cheap call checks it.
        client.check_access()
    counter = Counter("hashing", stat.st_size, on_progress)
    sha256 = sha256_file(path, counter.add)
    target = UploadTarget(client.api_url, token_tenant(client.token), name, version, content_type)
    identity = ResumeKey(FileIdentity(path, stat.st_size, stat.st_mtime_ns, sha256), target)

    state = _resumable(client, store, identity)
    if isinstance(state, UploadState) and state.upload_id == _COMPLETED:
        # An earlier run completed (killed before it removed its state): nothing to send.
        return UploadOutcome(state.recipe_id, 0, state.part_count, True, sha256)
    if state is None and store is not None and on_notice is not None:
        for other in store.others(identity):
            on_notice(
                f"not resuming the interrupted upload of this file as {target.of(other).describe()} "
                f"(recipe {other.recipe_id}): this run uploads it as {target.describe()}, so it starts afresh; "
                "run the earlier command again to resume that one"
            )
    resumed = state is not None
    if state is None:
        created = client.create(
            name=name, version=version, size=stat.st_size, sha256=sha256, content_type=content_type, file_name=path.name
        )
        if isinstance(created.upload, SinglePut):
            counter = Counter("uploading", stat.st_size, on_progress)
            _put_single(client, path, stat.st_size, created.upload, counter)
            return UploadOutcome(created.recipe_id, 1, 0, False, sha256)
        state = _new_state(identity, created.recipe_id, created.upload)
        if store is not None:
            store.save(identity, state)

    missing = state.missing_parts()
    already = sum(part_length(state, n) for n in state.parts)
    counter = Counter("uploading", stat.st_size, on_progress, start=already)
    sender = PartSender(client, path, state, counter, lambda: store.save(identity, state) if store else None)
    sent = sender.run(missing, workers)
    parts = [UploadedPart(part_number=n, etag=etag) for n, etag in sorted(state.parts.items())]
    client.complete(state.recipe_id, parts)
    if store is not None:
        store.delete(identity)
    return UploadOutcome(state.recipe_id, sent, state.part_count - len(missing), resumed, sha256)


_COMPLETED = ""
"""``upload_id`` of the state :func:`_resumable` returns for an upload already completed."""


def _resumable(client: UploadApi, store: ResumeStore | None, identity: ResumeKey) -> UploadState | None:
    """The state to continue, one marked completed (``upload_id`` empty), or ``None``."""
    if store is None:
        return None
    state = store.load(identity)
    if state is None or state.api_url != client.api_url:
        return None
    try:
        status = client.get(state.recipe_id).status
    except NotFound:  # aborted and gone, or another tenant's token
        status = None
    if status == AWAITING_UPLOAD:
        return state
    store.delete(identity)
    # Completed by the earlier run (killed before it removed its state): nothing to send.
    # Anything else (aborted, rejected, failed, unknown) gets a fresh upload.
    if status in UPLOADED:
        return state.model_copy(update={"upload_id": _COMPLETED})
    return None


def _new_state(identity: ResumeKey, recipe_id: str, upload: MultipartUpload) -> UploadState:
    plan, file, target = upload.multipart, identity.file, identity.target
    return UploadState(
        api_url=target.api_url,
        recipe_id=recipe_id,
        upload_id=plan.upload_id,
        part_size=plan.part_size,
        part_count=plan.part_count,
        size=file.size,
        sha256=file.sha256,
        path=str(file.path.resolve()),
        tenant=target.tenant,
        name=target.name,
        version=target.version,
        content_type=target.content_type,
    )


def _put_single(client: UploadApi, path: Path, size: int, upload: SinglePut, counter: Counter) -> None:
    url = PartUrl(part_number=1, url=upload.url, headers=upload.headers)
    put_range(client, path, 0, size, lambda refresh: url, counter, label="file")
