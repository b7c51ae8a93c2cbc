"""``python -m deploy.package --stage prod [--service upload]``: one deployable bundle per service.

For each service: stage a self-contained copy under ``build/<service>/<stage>/project``,
run ``chalice package`` twice (``cloudformation`` -> ``build/<service>/<stage>/cloudformation``
with ``sam.json`` + ``deployment.zip``; ``terraform`` -> ``.../terraform`` with
``chalice.tf.json`` + ``deployment.zip``), post-process both templates, check the bundle
against Lambda's size limit and lint the SAM template with cfn-lint. Works offline: pip
is told there is no index, so a dependency missing from the venv fails instead of
downloading.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy import sam, terraform
from deploy.infra import InfraExports, load_exports
from deploy.permissions import SERVICES
from deploy.staging import REPO, StagedService, stage_service

BUILD_ROOT = REPO / "build"
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
"""Lambda's limit on a function's unzipped code (and layers)."""


class PackagingError(RuntimeError):
    """A bundle could not be produced or does not pass its checks."""


@dataclass(frozen=True)
class Bundle:
    """What ``package_service`` produced."""

    service: str
    stage: str
    root: Path
    zipped_bytes: int
    unzipped_bytes: int
    files: int
    distributions: tuple[str, ...]

    @property
    def sam_template(self) -> Path:
        return self.root / "cloudformation" / "sam.json"

    @property
    def terraform_config(self) -> Path:
        return self.root / "terraform" / "chalice.tf.json"

    @property
    def deployment_zip(self) -> Path:
        return self.root / "cloudformation" / "deployment.zip"


def _tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise PackagingError(f"{name} is not installed next to {sys.executable} (make setup)")
    return str(path)


def _chalice_package(staged: StagedService, pkg_format: str, out: Path) -> None:
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # Chalice insists; the templates use ${AWS::Region}
    env["PIP_NO_INDEX"] = "1"  # offline: never download, fail instead
    command = [_tool("chalice"), "package", "--stage", staged.stage, "--pkg-format", pkg_format, str(out)]
    result = subprocess.run(command, cwd=staged.project, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise PackagingError(
            f"chalice package ({pkg_format}) of {staged.service} failed:\n{result.stdout}{result.stderr}"
        )


def lint(template: Path) -> None:
    """cfn-lint the template; raises with its findings."""
    result = subprocess.run([_tool("cfn-lint"), str(template)], capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise PackagingError(f"cfn-lint {template}:\n{result.stdout}{result.stderr}")


def _rewrite(path: Path, rewrite: Callable[[dict[str, Any]], None]) -> None:
    document = json.loads(path.read_text())
    rewrite(document)
    path.write_text(json.dumps(document, indent=2) + "\n")


def package_service(
    service: str,
    stage: str,
    build_root: Path = BUILD_ROOT,
    *,
    exports: InfraExports | None = None,
    run_lint: bool = True,
) -> Bundle:
    """Build, post-process and check the bundle of one service."""
    exports = exports or load_exports()
    root = build_root / service / stage
    staged = stage_service(service, stage, root / "project")
    for pkg_format in ("cloudformation", "terraform"):
        out = root / pkg_format
        if out.exists():
            shutil.rmtree(out)
        _chalice_package(staged, pkg_format, out)
    _rewrite(
        root / "cloudformation" / "sam.json",
        lambda t: sam.post_process(t, service, stage, staged.app_name, exports),
    )
    _rewrite(root / "terraform" / "chalice.tf.json", lambda c: terraform.post_process(c, service, exports))
    with zipfile.ZipFile(root / "cloudformation" / "deployment.zip") as bundle:
        infos = bundle.infolist()
    unzipped = sum(i.file_size for i in infos)
    if unzipped > LAMBDA_UNZIPPED_LIMIT:
        raise PackagingError(f"{service}: {unzipped} bytes unzipped exceeds Lambda's {LAMBDA_UNZIPPED_LIMIT}")
    if run_lint:
        lint(root / "cloudformation" / "sam.json")
    return Bundle(
        service=service,
        stage=stage,
        root=root,
        zipped_bytes=(root / "cloudformation" / "deployment.zip").stat().st_size,
        unzipped_bytes=unzipped,
        files=len(infos),
        distributions=staged.vendored.distributions,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.package", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod", help="Chalice stage to package (default: prod)")
    parser.add_argument("--service", choices=SERVICES, help="one service (default: all)")
    parser.add_argument("--build-dir", type=Path, default=BUILD_ROOT, help="output root (default: build/)")
    parser.add_argument("--no-lint", action="store_true", help="skip cfn-lint on the generated templates")
    args = parser.parse_args(argv)
    exports = load_exports()
    services = [args.service] if args.service else list(SERVICES)
    try:
        for service in services:
            b = package_service(service, args.stage, args.build_dir, exports=exports, run_lint=not args.no_lint)
            print(
                f"{service:<12} {b.zipped_bytes / 2**20:6.1f} MiB zipped, {b.unzipped_bytes / 2**20:6.1f} MiB unzipped "
                f"(limit 250), {b.files} files; vendored: {', '.join(b.distributions)}; -> {b.root}"
            )
    except PackagingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
