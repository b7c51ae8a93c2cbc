"""What a user would write instead of the pipeline: one plain process over the local file.

SHA-256 and CRC-32 of the file, every record validated with the same pydantic models
(header with :class:`RecipeHeader`, each step with the same ``Step`` union through
pydantic-core on the bytes, step ids strictly increasing), deflated into a ZIP with
:mod:`zipfile` at zlib's default level — the same level as the chunk workers.
"""

from __future__ import annotations

import hashlib
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from circulion.recipes.safety import RecipeHeader
from circulion.recipes.steps import STEP, limit_violations

PIECE = 8 * 1024 * 1024


@dataclass(frozen=True)
class BaselineResult:
    kind: str
    size: int
    seconds: float
    records: int
    invalid: int

    @property
    def mb_s(self) -> float:
        return self.size / 1e6 / self.seconds


def run(path: Path, kind: str, scratch: Path) -> BaselineResult:
    """Hash, validate (streams) and zip ``path``; the archive goes to ``scratch`` and is deleted."""
    started = time.perf_counter()
    sha, crc, size = hashlib.sha256(), 0, 0
    with path.open("rb") as source:
        while piece := source.read(PIECE):
            sha.update(piece)
            crc = zlib.crc32(piece, crc)
            size += len(piece)
    records, invalid = _validate(path) if kind == "stream" else (0, 0)
    archive = scratch / "baseline.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        zf.write(path, arcname=path.name)
    archive.unlink()
    sha.hexdigest()
    return BaselineResult(kind, size, time.perf_counter() - started, records, invalid)


def _validate(path: Path) -> tuple[int, int]:
    records = invalid = 0
    with path.open("rb") as source:
        header = RecipeHeader.model_validate_json(source.readline())
        previous = 0
        for line in source:
            records += 1
            try:
                step = STEP.validate_json(line)
            except ValidationError:
                invalid += 1
                continue
            if step.step_id <= previous or limit_violations(step, header.safety_checks):
                invalid += 1
            previous = step.step_id
    return records + 1, invalid
