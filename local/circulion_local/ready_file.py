"""``<state>/ready.json``: what a started stack serves, for tests and tools waiting on it.

Written atomically once everything runs (a waiting test never reads half a file), and
removed first thing on stop, so its presence means "ready" and nothing else.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from circulion_local.run_options import RunOptions
from circulion_local.runtime.functions import FunctionSpec, ScheduleTrigger, SqsTrigger

READY_FILE = "ready.json"
READY_LINE = "circulion-local ready"
"""Logged once ready.json is written: what a process reading the output waits for."""


@dataclass
class Started:
    """What is running, for the banner and ready.json."""

    outputs: dict[str, str] = field(default_factory=dict)
    auxiliary: dict[str, str] = field(default_factory=dict)
    functions: list[dict[str, Any]] = field(default_factory=list)
    api: bool = False
    roles: dict[str, str] = field(default_factory=dict)


def function_summary(spec: FunctionSpec, concurrency: int) -> dict[str, Any]:
    """One function as ready.json lists it."""
    summary: dict[str, Any] = {
        "service": spec.service,
        "function": spec.name,
        "lambda_name": spec.lambda_name,
        "timeout_s": spec.settings.timeout_s,
        "memory_mb": spec.settings.memory_mb,
        "concurrency": concurrency,
    }
    if isinstance(spec.trigger, SqsTrigger):
        summary.update(
            trigger="sqs",
            queue=spec.trigger.queue_name,
            batch_size=spec.trigger.batch_size,
            batching_window_s=spec.trigger.batching_window_s,
        )
    elif isinstance(spec.trigger, ScheduleTrigger):
        summary.update(trigger="schedule", schedule=spec.trigger.expression)
    return summary


def ready_document(options: RunOptions, started: Started, logs_dir: Path) -> dict[str, Any]:
    """The ready.json of a stack started with ``options``."""
    ports = options.ports
    return {
        "pid": os.getpid(),
        "state_dir": str(options.state_dir.resolve()),
        "ports": {
            "offset": ports.offset,
            "emulator": ports.emulator,
            "api": ports.api,
            "issuer": ports.issuer,
            "edge": ports.edge,
            "xray_daemon": ports.xray_daemon,
        },
        "endpoint_url": ports.endpoint_url,
        "api_url": ports.api_url if started.api else None,
        "issuer_url": ports.issuer_url,
        "edge_url": ports.edge_url,
        "auxiliary": started.auxiliary,
        "chaos": options.chaos.describe() if options.chaos.enabled else None,
        "fast_redelivery_s": options.fast_redelivery_s,
        "attached_emulator": options.attach_emulator,
        "enforce_iam": options.enforce_iam,
        "roles": started.roles,
        "outputs": started.outputs,
        "functions": started.functions,
        "logs": {
            "runtime": str((logs_dir / "runtime.log").resolve()),
            "functions": str((logs_dir / "functions").resolve()),
        },
    }


def write_ready_file(state_dir: Path, ready: dict[str, Any]) -> Path:
    """Write ``ready`` to ``state_dir/ready.json`` atomically; returns its path."""
    path = state_dir / READY_FILE
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(ready, indent=2))
    temporary.replace(path)  # atomic: a waiting test never reads half a file
    return path


def remove_ready_file(state_dir: Path) -> None:
    (state_dir / READY_FILE).unlink(missing_ok=True)
