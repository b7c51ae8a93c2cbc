"""Discovery imports each app in its own subprocess and reads its event sources."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from circulion_local.runtime.discovery import DiscoveryError, app_dirs, discover
from circulion_local.runtime.functions import ScheduleTrigger, SqsTrigger

APP = """
from chalice import Chalice, Rate
app = Chalice(app_name="{name}")

@app.on_sqs_message(queue="{name}-queue", batch_size=25, maximum_batching_window_in_seconds=3)
def consume(event):
    return None

@app.schedule(Rate(5, unit=Rate.MINUTES))
def sweep(event):
    return None

@app.route("/")
def index():
    return {{}}
"""


def _app(root: Path, name: str) -> Path:
    app_dir = root / name
    (app_dir / ".chalice").mkdir(parents=True)
    # Both apps define the same top-level names, as every service does.
    (app_dir / "app.py").write_text(APP.format(name=name))
    (app_dir / ".chalice" / "config.json").write_text(
        json.dumps({"app_name": f"circulion-{name}", "stages": {"local": {"lambda_timeout": 7}}})
    )
    return app_dir


def _env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}


def test_two_apps_with_the_same_module_names_are_both_described(tmp_path: Path) -> None:
    _app(tmp_path / "services", "alpha")
    _app(tmp_path / "services", "beta")
    dirs = app_dirs(tmp_path / "services")
    apps = discover(dirs, _env())
    assert [a.service for a in apps] == ["alpha", "beta"]
    alpha = apps[0]
    assert alpha.has_routes
    consume, sweep = alpha.functions
    assert consume.trigger == SqsTrigger("alpha-queue", None, 25, 3, None)
    assert consume.lambda_name == "circulion-alpha-local-consume"
    assert consume.settings.timeout_s == 7
    assert sweep.trigger == ScheduleTrigger("rate(5 minutes)")


def test_an_app_that_fails_to_import_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "app.py").write_text("raise ImportError('no such thing')\n")
    with pytest.raises(DiscoveryError, match="no such thing"):
        discover([broken], _env())


def test_extra_dir_without_app_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError):
        app_dirs(tmp_path / "services", [tmp_path])
