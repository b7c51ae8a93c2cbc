"""Third-party code a service needs in Lambda, found from its imports and copied from the venv.

Packaging must work offline, so nothing is downloaded: the distributions are copied from
this virtualenv's site-packages, which is CPython 3.11 on x86_64 manylinux — the ABI of
Lambda's ``python3.11`` runtime on ``x86_64`` (:func:`check_abi` refuses anything else).
Lambda itself provides boto3 and its dependencies; those are never vendored.
"""

from __future__ import annotations

import ast
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LAMBDA_PROVIDED = frozenset(
    canonicalize_name(n) for n in ("boto3", "botocore", "jmespath", "s3transfer", "python-dateutil", "urllib3", "six")
)
"""What the Lambda Python runtime ships (boto3 and everything boto3 needs)."""

LOCAL_PACKAGES = frozenset({"chalicelib", "circulion"})
"""Packages shipped as source in the bundle, whose imports are followed."""

PROJECT_MODULES = frozenset({"app", "chalicelib", "circulion", "chalice", "__future__"})
"""Imported names that are not third-party: the service, the vendored shared library and
Chalice's runtime (``chalice package`` adds ``chalice/app.py`` itself)."""

RUNTIME_ABI = "cpython-311-x86_64-linux-gnu"
LAMBDA_RUNTIME = "python3.11"
LAMBDA_ARCHITECTURE = "x86_64"


class VendoringError(RuntimeError):
    """A dependency cannot be vendored for Lambda from this environment."""


@dataclass(frozen=True)
class Vendored:
    """What was copied: distribution names and their file count."""

    distributions: tuple[str, ...]
    files: int


def reachable_imports(entry: Path, roots: Sequence[Path], local: frozenset[str] = LOCAL_PACKAGES) -> set[str]:
    """Top-level names imported by ``entry`` and every local module it reaches.

    Local modules (``chalicelib.*``, ``circulion.*``) are looked up under ``roots`` and
    followed, including imports inside functions; any other name is collected. Only what a
    service reaches counts: the splitter never imports ``circulion.cdn_signing``, so it
    ships without ``cryptography``.
    """
    found: set[str] = set()
    visited: set[Path] = set()
    pending = [(entry, "")]
    while pending:
        path, package = pending.pop()
        if path in visited:
            continue
        visited.add(path)
        for name in _imported_names(path, package):
            top = name.split(".")[0]
            if top not in local:
                found.add(top)
                continue
            for file, module_package in _module_files(name, roots):
                pending.append((file, module_package))
    return found


def _imported_names(path: Path, package: str) -> Iterator[str]:
    """Dotted names an import may load: ``from a import b`` may mean module ``a.b``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1] if package else []
                base = ".".join([*parts, base] if base else parts)
            if base:
                yield base
                yield from (f"{base}.{alias.name}" for alias in node.names)


def _module_files(name: str, roots: Sequence[Path]) -> Iterator[tuple[Path, str]]:
    """Files of ``name`` and of each package on its way (``a``, ``a.b``, ``a.b.c``)."""
    parts = name.split(".")
    for depth in range(1, len(parts) + 1):
        dotted = parts[:depth]
        for root in roots:
            package_init = root.joinpath(*dotted, "__init__.py")
            module = root.joinpath(*dotted[:-1], f"{dotted[-1]}.py")
            if package_init.is_file():
                yield package_init, ".".join(dotted)
            elif module.is_file():
                yield module, ".".join(dotted[:-1])


def third_party(modules: Iterable[str]) -> set[str]:
    """The modules that are neither the standard library nor the project's own."""
    return {m for m in modules if m not in sys.stdlib_module_names and m not in PROJECT_MODULES}


def required_distributions(modules: Iterable[str]) -> list[str]:
    """Distributions providing ``modules``, with their runtime dependencies, minus Lambda's own.

    Raises
    ------
    VendoringError
        When a module is provided by no installed distribution.
    """
    providers = metadata.packages_distributions()
    wanted: list[str] = []
    for module in sorted(modules):
        if module not in providers:
            raise VendoringError(f"no installed distribution provides the imported module {module!r}")
        wanted.extend(providers[module])
    seen: dict[str, str] = {}
    while wanted:
        name = wanted.pop()
        key = canonicalize_name(name)
        if key in seen or key in LAMBDA_PROVIDED:
            continue
        dist = metadata.distribution(name)
        seen[key] = dist.metadata["Name"]
        for line in dist.requires or []:
            requirement = Requirement(line)
            # Extras are not requested: a marker like `extra == "crypto"` is false here.
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                wanted.append(requirement.name)
    return sorted(seen.values(), key=str.lower)


def copy_distributions(names: Iterable[str], vendor_dir: Path) -> Vendored:
    """Copy each distribution's installed files (code and ``.dist-info``) into ``vendor_dir``."""
    copied = 0
    names = tuple(names)
    for name in names:
        dist = metadata.distribution(name)
        check_abi(dist)
        for file in dist.files or []:
            relative = Path(str(file))
            if relative.parts[0] == ".." or "__pycache__" in relative.parts or relative.suffix == ".pyc":
                continue  # console scripts outside site-packages; bytecode is rebuilt in Lambda
            source = Path(str(dist.locate_file(file)))
            if not source.is_file():
                continue
            target = vendor_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            copied += 1
    return Vendored(names, copied)


def check_abi(dist: metadata.Distribution) -> None:
    """Refuse a distribution whose wheel or extension modules do not fit Lambda python3.11 x86_64."""
    name = dist.metadata["Name"]
    tags = [
        line.split(":", 1)[1].strip()
        for line in (dist.read_text("WHEEL") or "").splitlines()
        if line.startswith("Tag:")
    ]
    for tag in tags:
        platform = tag.rsplit("-", 1)[-1]
        if platform != "any" and not (platform.startswith(("manylinux", "linux")) and platform.endswith("x86_64")):
            raise VendoringError(f"{name}: wheel tag {tag} does not run on Lambda {LAMBDA_ARCHITECTURE}")
    for file in dist.files or []:
        suffixes = Path(str(file)).suffixes
        if suffixes and suffixes[-1] == ".so":
            tag = suffixes[-2].lstrip(".") if len(suffixes) > 1 else ""
            if tag not in (RUNTIME_ABI, "abi3"):
                raise VendoringError(
                    f"{name}: extension {file} is built for {tag or 'an unknown ABI'}, not {RUNTIME_ABI}"
                )
