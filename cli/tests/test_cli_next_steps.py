"""Every error says what is wrong, with the API's details, and what to do next (issue 15.11);
the CLI finds the local stack where ``CIRCULION_PORT_OFFSET`` puts it (15.14)."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
from cli_runner import EXAMPLES, cli
from fake_api import FakeApi
from sample_files import KIB, write_file

from circulion_cli.config import CliConfig
from circulion_local.ports import LocalPorts

pytestmark = pytest.mark.usefixtures("against_fake")


def last_lines(err: str) -> tuple[str, str]:
    lines = err.strip().splitlines()
    error = next(line for line in lines if line.startswith("circulion: error:"))
    return error, lines[-1]


def test_the_apis_details_are_printed(tmp_path: Path) -> None:
    path = write_file(tmp_path / "x.bin", KIB)

    code, _, err = cli("upload", str(path), "--name", "-bad name")

    assert code == 1
    assert "circulion: error: the body does not match the schema (validation_failed)" in err
    assert "  - name: Value error, 1-128 characters of letters, digits" in err
    assert err.strip().splitlines()[-1].startswith("next: fix what the details above name")


@pytest.mark.parametrize("token", ["garbage", "eyJhbGciOiJSUzI1NiJ9.e30.expired"])
def test_a_bad_token_says_how_to_get_a_new_one(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    monkeypatch.setenv("CIRCULION_TOKEN", token)

    code, _, err = cli("list")

    assert code == 1
    assert last_lines(err)[1] == (
        "next: the token is expired, malformed or from another stack: get a new one "
        "(locally: export CIRCULION_TOKEN=$(circulion dev-token --tenant NAME))"
    )


def test_a_refused_connection_asks_whether_make_run_runs_on_the_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.delenv("CIRCULION_API_URL")
    monkeypatch.setenv("CIRCULION_PORT_OFFSET", str(port - 8000))

    code, _, err = cli("abort", "r-1")

    assert code == 1
    assert f"POST http://127.0.0.1:{port}/recipes/r-1/abort failed" in err
    assert f"next: nothing answers on port {port}: is `CIRCULION_PORT_OFFSET={port - 8000} make run` running?" in err


def test_a_taken_version_names_the_next_free_one(fake: FakeApi) -> None:
    for version in ("1.0.0", "1.0.1"):
        fake.add_recipe(name="arm", version=version, size=9, sha256="0" * 64, content_type="x")

    code, _, err = cli("upload", str(EXAMPLES / "arm.ndjson"), "--name", "arm", "--version", "1.0.0")

    assert code == 1
    assert "(version_taken)" in err
    assert "pass --version 1.0.2 (the next free one)" in last_lines(err)[1]


def test_a_document_whose_own_version_is_taken_says_to_change_it_in_the_file(fake: FakeApi) -> None:
    fake.add_recipe(name="arm-teardown", version="1.0.0", size=9, sha256="0" * 64, content_type="x")

    code, _, err = cli("upload", str(EXAMPLES / "arm.json"))

    assert code == 1
    assert last_lines(err)[1].endswith("pass --version 1.0.1 (the next free one) or change the version in the file")


def test_a_rejection_points_at_circulion_status(fake: FakeApi, tmp_path: Path) -> None:
    fake.script = [{"status": "REJECTED", "errors": [{"code": "schema_violation", "message": "torque"}]}]
    path = shutil.copy(EXAMPLES / "bad-torque.json", tmp_path / "bad.json")

    code, out, err = cli("upload", str(path), "--wait", "--no-validate")  # the server's verdict

    assert code == 1
    recipe_id = fake.only_recipe().recipe_id
    assert f"{recipe_id}: REJECTED" in out
    assert err.strip().splitlines()[-1] == (
        f"next: fix the file and upload it again; `circulion status {recipe_id}` shows the reasons"
    )


def test_the_cli_follows_the_port_offset_like_make_run() -> None:
    config = CliConfig.from_env({"CIRCULION_PORT_OFFSET": "200"})
    ports = LocalPorts(200)

    assert (config.api_url, config.issuer_url, config.endpoint_url) == (
        ports.api_url,
        ports.issuer_url,
        ports.endpoint_url,
    )
    assert CliConfig.from_env({}).api_url == LocalPorts(0).api_url
    explicit = CliConfig.from_env({"CIRCULION_PORT_OFFSET": "200", "CIRCULION_API_URL": "http://api"})
    assert explicit.api_url == "http://api"


def test_a_port_offset_that_is_not_a_number_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIRCULION_PORT_OFFSET", "two")
    code, _, err = cli("list")
    assert code == 2
    assert "CIRCULION_PORT_OFFSET='two' is not a number" in err


def test_a_role_that_may_not_do_it_is_told_which_role_to_get() -> None:
    from circulion_cli.config import CliConfig
    from circulion_cli.errors import Forbidden, api_error
    from circulion_cli.hints import hint_for

    details = {"required_role": "uploader", "roles": ["robot"]}
    error = api_error(403, "forbidden", "this needs the uploader role", details)
    assert isinstance(error, Forbidden)
    hint = hint_for(error, CliConfig.from_env({"CIRCULION_TOKEN": "t"}))
    assert "--role uploader" in hint and "expired" not in hint
