"""What the model is fed: figures ``make bench`` measured here (``bench/results/latest.json``)
and the design as the repository states it (settings, ``.chalice/config.json`` prod stages,
the SQS decorators in each ``app.py``, ``infra/template.yaml``).

Nothing here imports a service: settings modules are loaded by path under private names
(each imports only ``circulion`` and pydantic), decorators are read with :mod:`ast`.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench" / "results" / "latest.json"
CHALICE_DEFAULT_MEMORY_MB = 128
SMALL_RECIPE_EVENTS = 6
"""Lifecycle events of a one-chunk recipe: validated, split, chunk.processed, merge_started, merged, distributed."""


@dataclass(frozen=True)
class Measured:
    """Per-invocation figures from one benchmark run on this machine."""

    chunk_size: int
    requests_per_small_recipe: dict[str, float]
    """Emulator requests per ~10 KB document, by ``service operation`` (all callers)."""
    cpu_s_per_small_recipe: dict[str, float]
    """CPU seconds per document, by ``service.function``."""
    stream_chunk_cpu_s: float
    stream_chunk_wall_s: float
    asset_chunk_cpu_s: float
    asset_chunk_wall_s: float
    validate_cpu_s_per_gib: float
    merge_wall_s_per_gib_asset: float
    merge_wall_s_per_gib_stream: float
    requests_per_extra_chunk: dict[str, float] | None = None
    """Emulator requests per stream chunk beyond a document's one (the 1 GiB stream's tally
    less a document's, over its extra chunks); ``None`` for results from before it was kept."""


@dataclass(frozen=True)
class Function:
    """One deployed function as the prod stage and its decorator configure it."""

    name: str
    memory_mb: int
    timeout_s: int
    reserved_concurrency: int | None = None
    batch_size: int | None = None
    maximum_concurrency: int | None = None
    batching_window_s: int | None = None


@dataclass(frozen=True)
class Design:
    """The settings and deployment facts the arithmetic depends on."""

    functions: dict[str, Function]
    """By ``service.function``."""
    chunk_size: int
    direct_threshold: int
    read_piece_bytes: int
    max_upload_bytes: int
    part_size: int
    max_part_urls_per_request: int
    validate_range_bytes: int
    recipes_index_projection: str
    max_chunks: int
    """The splitter's bound on chunks per recipe (larger files get larger chunks)."""


def measured(path: Path = RESULTS) -> Measured:
    """Read the figures the model needs from a ``latest.json``."""
    r: dict[str, Any] = json.loads(path.read_text())
    small = r["small"]
    recipes = small["count"] + small["clients"]  # the warm-up recipes ran inside the same tally
    scenario = next(v for k, v in r["memory"].items() if k.startswith("small x"))
    two = [x for x in r["large"] if x["chunk_workers"] == 2 and x["status"] == "DISTRIBUTED"]
    stream = max((x for x in two if x["kind"] == "stream"), key=lambda x: x["size"])
    asset = max((x for x in two if x["kind"] == "asset"), key=lambda x: x["size"])

    def cpu(row: dict[str, Any], role: str) -> float:
        key = row.get("scenario") or f"{row['kind']} {row['size'] >> 20} MiB, 2 workers"
        return float(r["memory"][key][role]["cpu_s"])

    def per_gib(row: dict[str, Any], seconds: float) -> float:
        return seconds / (float(row["size"]) / 2**30)

    return Measured(
        chunk_size=int(r["chunk_size"]),
        requests_per_small_recipe=dict(small["emulator_requests_per_recipe"]),
        cpu_s_per_small_recipe={role: v["cpu_s"] / recipes for role, v in scenario.items() if "." in role},
        stream_chunk_cpu_s=cpu(stream, "splitter.process_chunk") / stream["chunks"],
        stream_chunk_wall_s=stream["stages"]["chunks"] * 2 / stream["chunks"],
        asset_chunk_cpu_s=cpu(asset, "splitter.process_chunk") / asset["chunks"],
        asset_chunk_wall_s=asset["stages"]["chunks"] * 2 / asset["chunks"],
        validate_cpu_s_per_gib=per_gib(asset, cpu(asset, "upload.validate")),
        merge_wall_s_per_gib_asset=per_gib(asset, asset["stages"]["merge"]),
        merge_wall_s_per_gib_stream=per_gib(stream, stream["stages"]["merge"]),
        requests_per_extra_chunk=per_extra_chunk(stream, small["emulator_requests_per_recipe"]),
    )


def per_extra_chunk(stream: dict[str, Any], document: dict[str, float]) -> dict[str, float] | None:
    """What each chunk of a large stream adds to a document's requests, by operation."""
    tally: dict[str, float] | None = stream.get("emulator_requests")
    if not tally or stream["chunks"] < 2:
        return None
    extra = stream["chunks"] - 1
    return {op: round((n - document.get(op, 0.0)) / extra, 3) for op, n in tally.items() if n > document.get(op, 0.0)}


def design(repo: Path = REPO) -> Design:
    """Read the design from the repository's files."""
    functions: dict[str, Function] = {}
    for service in ("upload", "splitter", "merger", "distributor"):
        functions |= _functions(repo / "services" / service, service)
    upload = _settings(repo, "upload", "UploadSettings")
    splitter = _settings(repo, "splitter", "SplitterSettings")
    template = _template(repo / "infra" / "template.yaml")
    resources = template["Resources"]
    index = resources["RecipesTable"]["Properties"]["GlobalSecondaryIndexes"][0]
    return Design(
        functions=functions,
        chunk_size=splitter.chunk_size_bytes,
        direct_threshold=splitter.direct_threshold_bytes,
        read_piece_bytes=splitter.read_piece_bytes,
        max_upload_bytes=upload.max_size_bytes,
        part_size=upload.part_size_bytes,
        max_part_urls_per_request=upload.max_part_urls_per_request,
        validate_range_bytes=upload.validate_range_bytes,
        recipes_index_projection=str(index["Projection"]["ProjectionType"]),
        max_chunks=int(
            _constants(ast.parse((repo / "shared/circulion/recipes/chunk_plan.py").read_text()))["MAX_CHUNKS"]
        ),
    )


def _prod_stage(service_dir: Path) -> tuple[dict[str, Any], dict[str, str]]:
    config = json.loads((service_dir / ".chalice" / "config.json").read_text())
    stage = config["stages"]["prod"]
    env = {**config.get("environment_variables", {}), **stage.get("environment_variables", {})}
    return {**config, **stage}, env


def _settings(repo: Path, service: str, class_name: str) -> Any:
    """The service's settings class loaded by path, built from its prod environment."""
    service_dir = repo / "services" / service
    spec = importlib.util.spec_from_file_location(
        f"_capacity_{service}_settings", service_dir / "chalicelib" / "settings.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, env = _prod_stage(service_dir)
    return getattr(module, class_name).from_env({k: v for k, v in env.items() if k.startswith("CIRCULION_")})


def _functions(service_dir: Path, service: str) -> dict[str, Function]:
    stage, _ = _prod_stage(service_dir)
    configured = stage.get("lambda_functions", {})
    default_timeout = int(stage.get("lambda_timeout", 60))
    found: dict[str, Function] = {}
    for name, source in _event_sources(service_dir / "app.py").items():
        cfg = configured.get(name, {})
        found[f"{service}.{name}"] = Function(
            name=f"{service}.{name}",
            memory_mb=int(cfg.get("lambda_memory_size", stage.get("lambda_memory_size", CHALICE_DEFAULT_MEMORY_MB))),
            timeout_s=int(cfg.get("lambda_timeout", default_timeout)),
            reserved_concurrency=cfg.get("reserved_concurrency"),
            batch_size=source.get("batch_size"),
            maximum_concurrency=source.get("maximum_concurrency"),
            batching_window_s=source.get("maximum_batching_window_in_seconds"),
        )
    return found


def _event_sources(app_py: Path) -> dict[str, dict[str, Any]]:
    """Each decorated function's literal keyword arguments (names resolved to module constants)."""
    tree = ast.parse(app_py.read_text())
    constants = _constants(tree)
    sources: dict[str, dict[str, Any]] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute):
                kind = decorator.func.attr
                if kind in ("on_sqs_message", "schedule", "route"):
                    name = "api_handler" if kind == "route" else node.name
                    values: dict[str, Any] = {
                        k.arg: k.value.value
                        if isinstance(k.value, ast.Constant)
                        else constants.get(getattr(k.value, "id", ""))
                        for k in decorator.keywords
                        if k.arg
                    }
                    sources.setdefault(name, {}).update(values if kind == "on_sqs_message" else {})
    # Routes registered through a Blueprint (chalicelib/routes.py) are the API handler too.
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "register_blueprint":
            sources.setdefault("api_handler", {})
    return sources


def _constants(tree: ast.Module) -> dict[str, Any]:
    """Module-level ``NAME = literal`` assignments."""
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Constant)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (``!Ref``, ``!GetAtt``...) read as plain values."""


def _any_tag(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_CloudFormationLoader.add_multi_constructor("!", _any_tag)


def _template(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(path.read_text(), Loader=_CloudFormationLoader)
    return loaded
