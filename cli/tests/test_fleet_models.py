"""The fleet bodies parse as docs/FLEET.md shows them, and render readably."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from circulion_cli.fleet_commands import names_table, versions_table
from circulion_cli.fleet_models import EdgeCredential, NameDetails, NamePage, Pointer

LIVE = {"version": "1.1.0", "recipe_id": "r2", "sha256": "ab" * 32, "size": 123, "published_at": "2026-12-01T10:00:00Z"}


def test_names_page_and_versions() -> None:
    page = NamePage.model_validate(
        {"names": [{"name": "cell-a", "live": LIVE}, {"name": "b", "live": None}], "cursor": None}
    )
    assert [(n.name, n.live.version if n.live else None) for n in page.items] == [("cell-a", "1.1.0"), ("b", None)]
    assert "cell-a  1.1.0" in names_table(page.items)
    details = NameDetails.model_validate(
        {
            "name": "cell-a",
            "live": LIVE,
            "versions": [
                {
                    "version": "1.2.0",
                    "recipe_id": "r3",
                    "status": "WITHDRAWN",
                    "published_at": None,
                    "withdrawn": {"by": "dev-acme", "at": "2026-12-01T11:00:00Z", "reason": "unsafe torque"},
                },
                {"version": "1.1.0", "recipe_id": "r2", "status": "DISTRIBUTED", "withdrawn": None},
            ],
        }
    )
    text = versions_table(details)
    assert "withdrawn by dev-acme" in text and "unsafe torque" in text and "live" in text


def test_the_credential_signs_any_path_under_its_resource() -> None:
    credential = EdgeCredential.model_validate(
        {
            "pointer_url": "http://e:8080/artifacts/acme/a/latest.json?Policy=P&Signature=S&Key-Pair-Id=K",
            "expires_at": "2026-12-02T09:00:00Z",
        }
    )
    assert credential.url_of("/artifacts/acme/a/1.0.0/r.zip") == (
        "http://e:8080/artifacts/acme/a/1.0.0/r.zip?Policy=P&Signature=S&Key-Pair-Id=K"
    )


def test_a_pointer_must_name_its_archive() -> None:
    assert (
        Pointer.model_validate({**LIVE, "key": "artifacts/acme/a/1.1.0/r2.zip"}).cdn_path
        == "/artifacts/acme/a/1.1.0/r2.zip"
    )
    with pytest.raises(ValidationError):
        Pointer.model_validate(LIVE)
