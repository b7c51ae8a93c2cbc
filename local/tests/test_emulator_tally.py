"""The request tally counts each operation and the CPU its handling thread spent on it, in
one file per process (the front's and the DynamoDB process's side by side)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from circulion_local.emulator.tally import TALLY_ENV, cpu_path, dynamodb_tally_path, tally_if_asked


def _busy_app(cpu_s: float) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        deadline = time.thread_time() + cpu_s
        while time.thread_time() < deadline:
            pass
        start_response("200 OK", [])
        return [b"{}"]

    return app


def _call(app: Any, target: str) -> None:
    environ = {"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": target, "QUERY_STRING": ""}
    app(environ, lambda *_: None)


def test_the_tally_counts_operations_and_their_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "emulator-tally.json"
    monkeypatch.setenv(TALLY_ENV, str(path))
    app = tally_if_asked(_busy_app(0.02))
    _call(app, "DynamoDB_20120810.GetItem")  # the first request writes (nothing written yet)
    assert json.loads(path.read_text()) == {"unsigned GetItem": 1}
    assert 15 <= json.loads(cpu_path(path).read_text())["unsigned GetItem"] <= 200


def test_the_dynamodb_process_keeps_its_own_tally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "emulator-tally.json"
    monkeypatch.setenv(TALLY_ENV, str(path))
    _call(tally_if_asked(_busy_app(0.0), dynamodb=True), "DynamoDB_20120810.UpdateItem")
    assert not path.exists()
    assert json.loads(dynamodb_tally_path(path).read_text()) == {"unsigned UpdateItem": 1}
    assert cpu_path(dynamodb_tally_path(path)).name == "emulator-tally.dynamodb.cpu.json"


def test_no_tally_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TALLY_ENV, raising=False)
    app = _busy_app(0.0)
    assert tally_if_asked(app) is app
