"""What ``python -m circulion_local run`` was asked to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from circulion_local.chaos import ChaosConfig
from circulion_local.ports import LocalPorts
from circulion_local.runtime.functions import DEFAULT_CONCURRENCY
from circulion_local.runtime.reserved_concurrency import Reserved


@dataclass(frozen=True)
class RunOptions:
    """What ``run`` was asked to do."""

    ports: LocalPorts
    state_dir: Path
    services: frozenset[str] | None = None
    app_dirs: tuple[Path, ...] = ()
    extra_templates: tuple[Path, ...] = ()
    default_concurrency: int = DEFAULT_CONCURRENCY
    chaos: ChaosConfig = field(default_factory=ChaosConfig)
    fast_redelivery_s: int | None = None
    """Cap on function timeouts (and visibility timeouts, leases) — see fast_redelivery."""
    attach_emulator: bool = False
    """Use the emulator already answering on the port (provisioned again, idempotently) and
    leave it running on stop, so a runtime can be killed and restarted mid-flight."""
    enforce_iam: bool = True
    """The emulator checks every request against its caller's role (circulion_local.iam)."""
    reserved_concurrency: Reserved = ()
    """``(service.function, N)``: limits that replace the apps' own (a benchmark variant)."""
