"""``circulion`` as its own process against the running stack, as customers and operators run it.

The CLI is configured by environment only: :func:`customer_env` is a fresh tenant's (API,
issuer, its own resume cache and a dev token the CLI itself minted); :func:`operator_env`
adds what the SRE commands (``dlq``, ``ops``) need to reach the emulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from support import Stack

from circulion_local.ports import LOCAL_ACCESS_KEY, LOCAL_REGION, LOCAL_SECRET_KEY

CLI = [sys.executable, "-c", "from circulion_cli.main import main; main()"]
CLI_TIMEOUT_S = 120
"""A command the tests expect to answer promptly (not an upload waiting for the pipeline)."""


def operator_env(stack: Stack, base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) pointed at the emulator's AWS endpoint."""
    return {
        **(os.environ if base is None else base),
        "CIRCULION_ENDPOINT_URL": stack.ports.endpoint_url,
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_KEY,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
    }


def customer_env(stack: Stack, tenant: str, cache_dir: Path) -> dict[str, str]:
    """A fresh tenant's CLI environment, its token from ``circulion dev-token``.

    Knobs a developer may have exported (a token, ``CIRCULION_VALIDATE_UP_TO``) are dropped
    so every run starts from the documented defaults.
    """
    base = {
        **os.environ,
        "CIRCULION_API_URL": stack.ports.api_url,
        "CIRCULION_ISSUER_URL": stack.ports.issuer_url,
        "CIRCULION_CACHE_DIR": str(cache_dir),
    }
    base.pop("CIRCULION_TOKEN", None)
    base.pop("CIRCULION_VALIDATE_UP_TO", None)
    minted = run_cli(base, "dev-token", "--tenant", tenant)
    assert minted.returncode == 0, minted.stderr
    return {**base, "CIRCULION_TOKEN": minted.stdout.strip()}


def run_cli(env: dict[str, str], *argv: str, timeout: float | None = CLI_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """``circulion ARGV`` to completion; its exit code and output, whatever they are."""
    return subprocess.run([*CLI, *argv], env=env, capture_output=True, text=True, check=False, timeout=timeout)


def cli_json(env: dict[str, str], *argv: str, ok: tuple[int, ...] = (0,)) -> Any:
    """``circulion ARGV --json``: the parsed document, asserting an exit code in ``ok``."""
    done = run_cli(env, *argv, "--json")
    assert done.returncode in ok and done.stdout.strip(), done.stderr
    return json.loads(done.stdout)
