"""The Lambda bundles ship the shared library without its test helpers (``circulion.testing``),
and no code that runs in Lambda imports them."""

from __future__ import annotations

import ast
import zipfile
from collections.abc import Iterator
from pathlib import Path

from deploy.package import Bundle
from deploy.permissions import SERVICES
from deploy.staging import SHARED_LIBRARY, TEST_ONLY_PACKAGES, service_dir

REPO = SHARED_LIBRARY.parent.parent


def test_no_bundle_contains_the_shared_test_helpers(bundles: dict[str, Bundle]) -> None:
    for service in SERVICES:
        with zipfile.ZipFile(bundles[service].deployment_zip) as archive:
            names = archive.namelist()
        assert any(n.startswith("circulion/recipes/") for n in names), service  # the library is there
        shipped = [n for n in names if n.split("/")[:2] in (["circulion", p] for p in TEST_ONLY_PACKAGES)]
        assert shipped == [], f"{service} ships test helpers: {shipped[:5]}"


def _lambda_sources() -> Iterator[Path]:
    """Every module a Lambda bundle ships: the services' app and chalicelib, the shared library."""
    for service in SERVICES:
        yield service_dir(service) / "app.py"
        yield from (service_dir(service) / "chalicelib").rglob("*.py")
    for path in SHARED_LIBRARY.rglob("*.py"):
        if path.relative_to(SHARED_LIBRARY).parts[0] not in TEST_ONLY_PACKAGES:
            yield path


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_no_code_that_runs_in_lambda_imports_the_test_helpers() -> None:
    helpers = {f"circulion.{p}" for p in TEST_ONLY_PACKAGES}
    offenders = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in _lambda_sources()
        for name in _imports(path)
        if name in helpers or any(name.startswith(h + ".") for h in helpers)
    ]
    assert offenders == []
