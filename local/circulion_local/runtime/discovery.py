"""Find every function of every Chalice app, without importing two apps in one process."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from chalice.constants import DEFAULT_HANDLER_NAME

from circulion_local.runtime.config import app_name, function_settings, load_config
from circulion_local.runtime.functions import AppSpec, FunctionSpec, ScheduleTrigger, SqsTrigger

INSPECT_TIMEOUT_S = 120


class DiscoveryError(RuntimeError):
    """An app could not be imported or described."""


def app_dirs(services_dir: Path, extra: Sequence[Path] = ()) -> list[Path]:
    """Every directory under ``services_dir`` holding an ``app.py``, then the extras."""
    found = sorted(p.parent for p in services_dir.glob("*/app.py")) if services_dir.is_dir() else []
    for path in extra:
        if not (path / "app.py").is_file():
            raise DiscoveryError(f"{path}: no app.py")
        found.append(path)
    return [p.resolve() for p in found]


def to_app_spec(service: str, app_dir: Path, description: Mapping[str, Any], config: Mapping[str, Any]) -> AppSpec:
    """Combine what the app declares (event sources) with its ``local`` stage config."""
    name = app_name(config, str(description["app_name"]))
    functions: list[FunctionSpec] = []
    for source in description["event_sources"]:
        trigger: SqsTrigger | ScheduleTrigger
        if source["kind"] == "sqs":
            trigger = SqsTrigger(
                queue=source["queue"],
                queue_arn=source["queue_arn"],
                batch_size=int(source["batch_size"]),
                batching_window_s=int(source["maximum_batching_window_in_seconds"] or 0),
                maximum_concurrency=source["maximum_concurrency"],
            )
        else:
            trigger = ScheduleTrigger(str(source["expression"]))
        functions.append(
            FunctionSpec(
                service=service,
                app_dir=app_dir,
                app_name=name,
                name=str(source["name"]),
                handler_string=str(source["handler_string"]),
                trigger=trigger,
                settings=function_settings(config, str(source["name"])),
            )
        )
    return AppSpec(service, app_dir, name, tuple(functions), bool(description["has_routes"]))


def discover(dirs: Sequence[Path], base_environment: Mapping[str, str]) -> list[AppSpec]:
    """Describe every app, each in its own short-lived subprocess (run in parallel)."""
    running: list[tuple[Path, dict[str, Any], Path, subprocess.Popen[bytes]]] = []
    with tempfile.TemporaryDirectory(prefix="circulion-discovery-") as tmp:
        for index, app_dir in enumerate(dirs):
            config = load_config(app_dir)
            environment = {
                **base_environment,
                **function_settings(config, DEFAULT_HANDLER_NAME).environment,
            }
            out = Path(tmp) / f"{index}.json"
            command = [sys.executable, "-m", "circulion_local.runtime.inspect_app", str(app_dir), str(out)]
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                command, cwd=app_dir, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            running.append((app_dir, config, out, process))
        apps: list[AppSpec] = []
        for app_dir, config, out, process in running:
            try:
                output, _ = process.communicate(timeout=INSPECT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                raise DiscoveryError(f"{app_dir}: importing app.py took over {INSPECT_TIMEOUT_S} s") from None
            if process.returncode != 0 or not out.exists():
                tail = output.decode(errors="replace")[-2000:]
                raise DiscoveryError(f"{app_dir}: importing app.py failed:\n{tail}")
            apps.append(to_app_spec(app_dir.name, app_dir, json.loads(out.read_text()), config))
    return apps
