"""What ``circulion upload`` sends a file as: its type (issue 15.9), its name and version
(15.12), and which earlier upload it continues (15.10)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_runner import EXAMPLES, cli
from fake_api import FakeApi
from sample_files import KIB, write_file

from circulion_cli.resume import token_tenant
from circulion_cli.sniff import ASSET, DOCUMENT, STREAM, sniff

pytestmark = pytest.mark.usefixtures("against_fake")


@pytest.mark.parametrize("copy_as", ["bad.recipe", "recipe.txt", "bad"])
def test_a_recipe_document_without_its_extension_is_sent_as_a_document(
    fake: FakeApi, tmp_path: Path, copy_as: str
) -> None:
    path = shutil.copy(EXAMPLES / "bad-torque.json", tmp_path / copy_as)

    code, _, err = cli("upload", str(path), "--name", "arm")
    assert code == 1  # checked locally as the document it is, and refused
    assert "is not a valid document" in err and fake.recipes == {}

    code, _, err = cli("upload", str(path), "--name", "arm", "--no-validate")
    assert code == 0, err
    assert fake.only_recipe().content_type == DOCUMENT  # validated by the pipeline, not stored as an asset
    assert "type: application/json (recipe document, recognised by its content)" in err


def test_a_recipe_stream_without_its_extension_is_sent_as_a_stream(fake: FakeApi, tmp_path: Path) -> None:
    path = shutil.copy(EXAMPLES / "arm.ndjson", tmp_path / "arm.txt")

    code, _, err = cli("upload", str(path), "--name", "arm")

    assert code == 0, err
    assert fake.only_recipe().content_type == STREAM
    assert "type: application/x-ndjson (recipe stream, recognised by its content)" in err


def test_other_bytes_go_as_an_asset_and_type_overrides(fake: FakeApi, tmp_path: Path) -> None:
    blob = write_file(tmp_path / "model.bin", 2 * KIB)
    recipe = shutil.copy(EXAMPLES / "arm.json", tmp_path / "arm.recipe")

    assert cli("upload", str(blob))[0] == 0
    code, _, err = cli("upload", str(recipe), "--type", "asset", "--name", "forced")

    assert code == 0
    assert sorted(r.content_type for r in fake.recipes.values()) == [ASSET, ASSET]
    assert "type: application/octet-stream (asset, from --type)" in err


def test_a_file_that_looks_like_a_recipe_of_no_clear_shape_is_refused(fake: FakeApi, tmp_path: Path) -> None:
    path = tmp_path / "broken.recipe"
    path.write_bytes(b'{"name": "arm", "version": "1.0.0" "robot": {}}')

    code, _, err = cli("upload", str(path))

    assert code == 2
    assert "--type document, --type stream or --type asset" in err
    assert fake.recipes == {}


def test_sniffing_recognises_the_examples_and_nothing_else() -> None:
    assert sniff((EXAMPLES / "arm.json").read_bytes()) == DOCUMENT
    assert sniff((EXAMPLES / "arm.ndjson").read_bytes()) == STREAM
    assert sniff((EXAMPLES / "arm.json").read_bytes()[:300]) == DOCUMENT  # longer than the head read
    assert sniff(b"\xef\xbb\xbf" + (EXAMPLES / "arm.ndjson").read_bytes()) == STREAM
    assert sniff(b'{"weights": [1, 2]}') is None
    assert sniff(b"PK\x03\x04...") is None
    assert sniff(b"") is None


def test_a_document_without_name_is_named_and_versioned_by_itself(fake: FakeApi) -> None:
    code, _, err = cli("upload", str(EXAMPLES / "arm.json"))

    assert code == 0, err
    recipe = fake.only_recipe()
    assert (recipe.name, recipe.version) == ("arm-teardown", "1.0.0")
    assert "name: arm-teardown, version: 1.0.0 (declared in the file" in err


def test_a_stream_without_name_is_named_by_its_header_and_name_wins_over_it(fake: FakeApi) -> None:
    assert cli("upload", str(EXAMPLES / "arm.ndjson"))[0] == 0
    assert cli("upload", str(EXAMPLES / "arm.ndjson"), "--name", "other")[0] == 0

    assert sorted((r.name, r.version) for r in fake.recipes.values()) == [("arm", "1.0.0"), ("other", "1")]


def test_a_rerun_under_another_name_starts_afresh_and_says_so(fake: FakeApi, tmp_path: Path) -> None:
    path = write_file(tmp_path / "big.bin", 8 * 4 * KIB)
    fake.refuse_after = 3  # storage refuses parts after the third: the upload is interrupted
    code, _, _ = cli("upload", str(path), "--name", "nameA", "--workers", "1")
    assert code == 1
    first = fake.only_recipe()
    fake.refuse_after = None

    code, out, err = cli("upload", str(path), "--name", "nameB")

    assert code == 0, err
    second = fake.recipe(out.strip())
    assert (second.name, second.status) == ("nameB", "VALIDATING")
    assert (first.name, first.status) == ("nameA", "AWAITING_UPLOAD")  # not published as nameA
    assert "not resuming the interrupted upload of this file as name 'nameA'" in err
    assert "starts afresh" in err
    assert "resuming" not in err.replace("not resuming", "")

    fake.refuse_after = None
    code, _, err = cli("upload", str(path), "--name", "nameA")  # the first one still resumes
    assert code == 0, err
    assert first.status == "VALIDATING"
    assert "resuming: 12.0 KiB already uploaded" in err


def test_the_tenant_of_a_token_is_read_from_its_claims() -> None:
    # header.payload.signature with payload {"custom:tenant": "acme"}
    token = "e30.eyJjdXN0b206dGVuYW50IjogImFjbWUifQ.c2ln"
    assert token_tenant(token) == "acme"
    assert token_tenant("garbage") == ""
    assert token_tenant(None) == ""
