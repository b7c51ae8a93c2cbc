"""Packaging every service once per session (``chalice package`` x 2 per service, ~20 s)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `pytest tests/deploy` without `python -m` still finds deploy/
    sys.path.insert(0, str(REPO))

from deploy.infra import load_exports  # noqa: E402
from deploy.package import Bundle, package_service  # noqa: E402
from deploy.permissions import SERVICES  # noqa: E402


@pytest.fixture(scope="session")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Bundle]:
    build = tmp_path_factory.mktemp("build")
    exports = load_exports()
    return {s: package_service(s, "prod", build, exports=exports, run_lint=False) for s in SERVICES}
