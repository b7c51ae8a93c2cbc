"""No import cycles among the repository's own modules.

Every import counts, at the top, inside a function or under ``TYPE_CHECKING``: a cycle hidden
behind a lazy import still means two modules that cannot be read (or split) one without the
other. Each service is its own graph (they all name their package ``chalicelib``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GRAPHS = {
    "cli, shared, local": [REPO / "cli", REPO / "shared", REPO / "local"],
    **{f"services/{d.name}": [d] for d in sorted((REPO / "services").iterdir()) if (d / "chalicelib").is_dir()},
}


def modules(roots: list[Path]) -> dict[str, Path]:
    """Dotted module name -> file, for every non-test module below the roots."""
    found = {}
    for root in roots:
        for path in root.rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if {"tests", ".venv", "vendor"} & set(parts):
                continue
            if parts[-1] == "__init__":
                parts.pop()
            if parts:
                found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The known modules ``name`` imports (an imported attribute counts as its module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            # ``from package import module`` imports the module; any other name, the package.
            submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known]
            targets = submodules if len(submodules) == len(node.names) else [base, *submodules]
        for written in targets:
            target = written
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []
    for start, first_edges in graph.items():
        if start in index:
            continue
        work = [(start, iter(sorted(first_edges)))]
        index[start] = low[start] = len(index)
        stack.append(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def import_graph(roots: list[Path]) -> dict[str, set[str]]:
    known = modules(roots)
    return {name: set(imported(name, path, known)) for name, path in known.items()}


def test_the_checker_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("graph", list(GRAPHS), ids=list(GRAPHS))
def test_no_import_cycle(graph: str) -> None:
    roots = GRAPHS[graph]
    found = cycles(import_graph(roots))
    assert not found, f"import cycles in {graph}: " + "; ".join(" <-> ".join(c) for c in found)
