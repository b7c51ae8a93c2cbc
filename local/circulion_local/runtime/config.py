"""A function's settings from ``.chalice/config.json``, merged the way ``chalice deploy`` does.

Chalice's own :class:`chalice.config.Config` does the lookup (per-function overrides under
``stages.<stage>.lambda_functions`` win over the stage, which wins over the top level), so
the local runtime cannot drift from what a deployment would get.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chalice.config import Config
from chalice.constants import DEFAULT_LAMBDA_MEMORY_SIZE, DEFAULT_LAMBDA_TIMEOUT

from circulion_local.runtime.functions import STAGE, FunctionSettings


def load_config(app_dir: Path) -> dict[str, Any]:
    """The parsed ``.chalice/config.json`` of an app (empty when there is none)."""
    path = app_dir / ".chalice" / "config.json"
    if not path.exists():
        return {}
    loaded = json.loads(path.read_text())
    if not isinstance(loaded, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return loaded


def function_settings(config_from_disk: Mapping[str, Any], function: str, stage: str = STAGE) -> FunctionSettings:
    """The settings ``chalice deploy --stage <stage>`` would give ``function``."""
    scoped = Config(chalice_stage=stage, function_name=function, config_from_disk=dict(config_from_disk))
    timeout = scoped.lambda_timeout
    memory = scoped.lambda_memory_size
    reserved = scoped.reserved_concurrency
    return FunctionSettings(
        environment={str(k): str(v) for k, v in scoped.environment_variables.items()},
        timeout_s=int(timeout) if timeout is not None else DEFAULT_LAMBDA_TIMEOUT,
        memory_mb=int(memory) if memory is not None else DEFAULT_LAMBDA_MEMORY_SIZE,
        reserved_concurrency=int(reserved) if reserved is not None else None,
    )


def app_name(config_from_disk: Mapping[str, Any], default: str) -> str:
    """The app name Chalice deploys under (``app_name`` in the config)."""
    name = config_from_disk.get("app_name")
    return str(name) if name else default
