"""JSON Schema snapshots of every message, and the compatibility rule CI enforces.

Each message's schema is kept as ``schemas/<type>.v<schema_version>.json``. A snapshot is
a promise to consumers already deployed: the current model must stay *compatible* with it
(see :func:`breaking_changes`). A change that breaks it needs a new ``schema_version`` —
and with it a new snapshot file — so old and new consumers can be told apart.

``python -m circulion.contracts.snapshots write`` refreshes snapshots after a compatible
change; ``check`` lists breaking changes and exits non-zero.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from circulion.contracts.envelope import Envelope
from circulion.contracts.events import MESSAGE_TYPES

SCHEMA_DIR = Path(__file__).with_name("schemas")


def schema_of(cls: type[Envelope]) -> dict[str, Any]:
    """The JSON Schema consumers validate against (validation mode, refs inlined)."""
    return cls.model_json_schema(mode="validation")


def snapshot_path(cls: type[Envelope]) -> Path:
    version = cls.model_fields["schema_version"].default
    return SCHEMA_DIR / f"{cls.model_fields['type'].default}.v{version}.json"


def write() -> list[Path]:
    SCHEMA_DIR.mkdir(exist_ok=True)
    written = []
    for cls in MESSAGE_TYPES.values():
        path = snapshot_path(cls)
        path.write_text(json.dumps(schema_of(cls), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = root.get("$defs", {}).get(name, {})
    return schema


def _types(schema: dict[str, Any], root: dict[str, Any]) -> set[str]:
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return set().union(*(_types(s, root) for s in schema["anyOf"]))
    if "const" in schema:
        return {f"const:{schema['const']}"}
    if "enum" in schema:
        return {f"enum:{v}" for v in schema["enum"]}
    kind = schema.get("type")
    if isinstance(kind, list):
        return set(kind)
    return {kind} if kind else {"any"}


def breaking_changes(
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    path: str = "",
    old_root: dict[str, Any] | None = None,
    new_root: dict[str, Any] | None = None,
) -> list[str]:
    """What in ``new`` would break a consumer or producer built against ``old``.

    Breaking: a property removed; a property's accepted types or values narrowed or
    changed; a property newly required (messages already in flight lack it); a required
    property made optional (old consumers rely on it). Adding optional properties is fine.
    """
    old_root = old_root or old
    new_root = new_root or new
    old = _resolve(old, old_root)
    new = _resolve(new, new_root)
    problems: list[str] = []
    old_types, new_types = _types(old, old_root), _types(new, new_root)
    if "any" not in new_types and not old_types <= new_types:
        problems.append(f"{path or '<root>'}: accepts {sorted(new_types)}, was {sorted(old_types)}")
    old_props: dict[str, Any] = old.get("properties", {})
    new_props: dict[str, Any] = new.get("properties", {})
    for name in old_props:
        if name not in new_props:
            problems.append(f"{path}.{name}: removed")
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(new_required - old_required):
        problems.append(f"{path}.{name}: newly required")
    for name in sorted(old_required - new_required):
        problems.append(f"{path}.{name}: no longer required")
    for name, old_prop in old_props.items():
        if name in new_props:
            problems += breaking_changes(
                old_prop, new_props[name], path=f"{path}.{name}", old_root=old_root, new_root=new_root
            )
    if "items" in old and "items" in new:
        problems += breaking_changes(old["items"], new["items"], path=f"{path}[]", old_root=old_root, new_root=new_root)
    for branch_key in ("anyOf",):
        for old_branch in old.get(branch_key, []):
            resolved = _resolve(old_branch, old_root)
            if resolved.get("properties"):
                matches = [b for b in new.get(branch_key, []) if _resolve(b, new_root).get("properties")]
                if matches:
                    problems += breaking_changes(
                        resolved,
                        _resolve(matches[0], new_root),
                        path=path,
                        old_root=old_root,
                        new_root=new_root,
                    )
    return problems


def check() -> dict[str, list[str]]:
    """Breaking changes per snapshot file, plus missing snapshots."""
    report: dict[str, list[str]] = {}
    for cls in MESSAGE_TYPES.values():
        path = snapshot_path(cls)
        if not path.exists():
            report[path.name] = ["no snapshot: run `make schemas` and commit it"]
            continue
        problems = breaking_changes(json.loads(path.read_text()), schema_of(cls))
        if problems:
            report[path.name] = problems
    return report


def main(argv: list[str]) -> int:
    if argv[:1] == ["write"]:
        for path in write():
            print(path)
        return 0
    report = check()
    for name, problems in report.items():
        print(f"{name}:")
        for problem in problems:
            print(f"  {problem}")
    return 1 if report else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
