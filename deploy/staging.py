"""A self-contained copy of one service for ``chalice package`` to read, under ``build/``.

Nothing is written into ``services/``: the copy holds the service's ``app.py``,
``chalicelib/`` and ``.chalice/config.json``, the shared library in ``vendor/circulion``
(without its test helpers, ``circulion.testing``),
the third-party distributions its imports need in ``vendor/`` and an empty
``requirements.txt`` (so Chalice downloads nothing). In the packaged stage Chalice's
policy generation is off (``autogen_policy: false``): every function gets its own role,
whose policy :mod:`deploy.sam` / :mod:`deploy.terraform` fill from the permission map.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.vendoring import Vendored, copy_distributions, reachable_imports, required_distributions, third_party

REPO = Path(__file__).resolve().parent.parent
SHARED_LIBRARY = REPO / "shared" / "circulion"
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".hypothesis", "tests")
TEST_ONLY_PACKAGES = frozenset({"testing"})
"""Packages of the shared library only tests import (``circulion.testing``: in-memory fakes,
Lambda-shaped event builders): never shipped in a Lambda bundle."""


@dataclass(frozen=True)
class StagedService:
    """A staged copy of a service, ready for ``chalice package``."""

    service: str
    stage: str
    project: Path
    app_name: str
    vendored: Vendored


def service_dir(service: str) -> Path:
    return REPO / "services" / service


def stage_service(service: str, stage: str, project: Path) -> StagedService:
    """(Re)create ``project`` as the packaging copy of ``service`` for ``stage``."""
    source = service_dir(service)
    if project.exists():
        shutil.rmtree(project)
    (project / ".chalice").mkdir(parents=True)
    shutil.copy2(source / "app.py", project / "app.py")
    shutil.copytree(source / "chalicelib", project / "chalicelib", ignore=_IGNORED)
    config = _packaging_config(json.loads((source / ".chalice" / "config.json").read_text()), stage)
    (project / ".chalice" / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    # Placeholder for the roles Chalice creates; post-processing replaces every statement.
    placeholder = {"Version": "2012-10-17", "Statement": []}
    (project / ".chalice" / f"policy-{stage}.json").write_text(json.dumps(placeholder) + "\n")
    (project / "requirements.txt").write_text("")
    vendor = project / "vendor"
    shutil.copytree(SHARED_LIBRARY, vendor / "circulion", ignore=_ignored_in_shared_library)
    modules = third_party(reachable_imports(project / "app.py", [project, vendor]))
    vendored = copy_distributions(required_distributions(modules), vendor)
    return StagedService(service, stage, project, str(config["app_name"]), vendored)


def _ignored_in_shared_library(directory: str, names: list[str]) -> set[str]:
    ignored = set(_IGNORED(directory, names))
    if Path(directory) == SHARED_LIBRARY:
        ignored |= TEST_ONLY_PACKAGES & set(names)
    return ignored


def _packaging_config(config: dict[str, Any], stage: str) -> dict[str, Any]:
    stages = config.get("stages", {})
    if stage not in stages:
        raise KeyError(f"{config.get('app_name')}: .chalice/config.json has no stage {stage!r}")
    stages[stage]["autogen_policy"] = False
    stages[stage].pop("iam_policy_file", None)
    return config
