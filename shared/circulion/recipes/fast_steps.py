"""The step models compiled to msgspec, for the chunk workers' batch fast path.

Generated at import from the pydantic models in :mod:`circulion.recipes.steps`, which stay
the one source of truth: every field, default-ness, literal, nested model, bound and length
is read off ``model_fields``, and a type or constraint the generator does not know raises
:class:`TypeError` at import, so a model change can never quietly loosen the fast path.

The compiled types accept a subset of what the pydantic models accept, never more (where
the two differ, msgspec is the stricter: it refuses ``1e400`` outright, pydantic-core reads
it as ``inf`` and then refuses it), so a record they accept is one the exact path accepts;
anything else takes the exact path, which names the problem. Two more things make the
subset exact enough to skip the exact path:

* Per recipe, a unit field's safety limit (:func:`~circulion.recipes.steps.limit_table`,
  "above the limit is a violation") is compiled in as one more ``le`` bound, so one decode
  says "valid and within the recipe's limits".
* Every optional field defaults to ``UNSET``, so encoding a decoded step writes exactly the
  keys the record had: a duplicate key (msgspec keeps the last) shows as fewer ``"`` out
  than in (:func:`circulion.recipes.plain_batches.plain_valid_steps` counts them).

Why: a msgspec struct is built in C with no per-instance ``__dict__`` or fields-set
bookkeeping; a chunk's validation CPU fell from ~0.4 to ~0.1 s per 8 MiB
(``python -m bench.chunk_worker``, same verdicts, before and after in one sitting).
"""

from __future__ import annotations

import types
from functools import lru_cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import msgspec
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic.types import AllowInfNan

from circulion.recipes.safety import SafetyChecks
from circulion.recipes.steps import Step, limit_table

_BOUNDS: dict[type, str] = {
    annotated_types.Ge: "ge",
    annotated_types.Gt: "gt",
    annotated_types.Le: "le",
    annotated_types.Lt: "lt",
    annotated_types.MinLen: "min_length",
    annotated_types.MaxLen: "max_length",
}
_PLAIN = (int, float, str)


def step_decoder(safety: SafetyChecks | None) -> msgspec.json.Decoder[list[Any]]:
    """A decoder of a JSON array of steps, refusing any step the exact path would not
    accept without a problem against ``safety`` (``None``: no header, no limits)."""
    global _last  # noqa: PLW0603  # a chunk asks ~1000 times for one recipe's: hashing a model each time shows
    if _last[0] is not safety:
        _last = (safety, _decoder(safety))
    return _last[1]


@lru_cache(maxsize=64)
def _decoder(safety: SafetyChecks | None) -> msgspec.json.Decoder[list[Any]]:
    union, discriminator = _step_union()
    members = tuple(_struct(model, {}, discriminator, _limits(model, safety)) for model in union)
    return msgspec.json.Decoder(list[Union[members]])  # type: ignore[valid-type]  # noqa: UP007


def _step_union() -> tuple[tuple[type[BaseModel], ...], str]:
    base, *extras = get_args(Step)
    discriminator = next(e.discriminator for e in extras if isinstance(e, FieldInfo))
    if not isinstance(discriminator, str):
        raise TypeError(f"the Step union needs a plain discriminator field, got {discriminator!r}")
    return get_args(base), discriminator


def _limits(model: type[BaseModel], safety: SafetyChecks | None) -> dict[str, float]:
    """Per field of a step model's ``parameters`` model, the limit it must not exceed."""
    if safety is None:
        return {}
    parameters = model.model_fields["parameters"].annotation
    assert isinstance(parameters, type) and issubclass(parameters, BaseModel)
    return dict(limit_table(parameters, safety))


def _struct(
    model: type[BaseModel],
    limits: dict[str, float],
    discriminator: str | None = None,
    parameter_limits: dict[str, float] | None = None,
) -> type[msgspec.Struct]:
    """``model`` as a struct, its fields bounded above by ``limits``; with
    ``discriminator``, a member of the tagged step union whose ``parameters`` field is
    bounded by ``parameter_limits``."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    tag: str | None = None
    for name, info in model.model_fields.items():
        if name == discriminator:
            tag = _single_literal(info.annotation, name)
            continue
        nested = parameter_limits if name == "parameters" and parameter_limits is not None else {}
        annotation = _type(info.annotation, list(info.metadata), limits.get(name), nested)
        if info.is_required():
            fields.append((name, annotation))
        else:
            fields.append((name, Union[annotation, msgspec.UnsetType], msgspec.UNSET))  # noqa: UP007
    if discriminator is not None and tag is None:
        raise TypeError(f"{model.__name__} has no {discriminator!r} literal")
    return msgspec.defstruct(
        model.__name__, fields, kw_only=True, forbid_unknown_fields=True, tag_field=discriminator, tag=tag
    )


def _type(annotation: Any, metadata: list[Any], limit: float | None, nested: dict[str, float]) -> Any:
    """The msgspec type accepting what ``annotation`` constrained by ``metadata`` accepts
    (or less), values above ``limit`` refused; ``nested``: limits of a nested model."""
    if get_origin(annotation) is Annotated:
        base, *extras = get_args(annotation)
        for extra in extras:
            metadata.extend(extra.metadata if isinstance(extra, FieldInfo) else [extra])
        return _type(base, metadata, limit, nested)
    if get_origin(annotation) in (Union, types.UnionType):
        arms = [arm if arm is type(None) else _type(arm, list(metadata), limit, nested) for arm in get_args(annotation)]
        return Union[tuple(arms)]  # noqa: UP007
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        _no_metadata(annotation, metadata)
        return _struct(annotation, nested)
    if get_origin(annotation) is Literal:
        _no_metadata(annotation, metadata)
        if not all(isinstance(value, str) for value in get_args(annotation)):
            raise TypeError(f"only string literals are compiled, not {annotation!r}")
        return annotation
    if annotation not in _PLAIN:  # bool among them: msgspec and strict pydantic differ on bool vs int
        raise TypeError(f"no msgspec type for {annotation!r}")
    return _constrained(annotation, metadata, limit)


def _constrained(annotation: type, metadata: list[Any], limit: float | None) -> Any:
    bounds: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, AllowInfNan) and not item.allow_inf_nan:
            continue  # msgspec's JSON decoder yields no inf or nan at all
        key = _BOUNDS.get(type(item))
        if key is None:
            raise TypeError(f"no msgspec constraint for {item!r} on {annotation.__name__}")
        bounds[key] = getattr(item, key)
    if limit is not None:
        if annotation is str:
            raise TypeError("a safety limit on a string field")
        if "lt" in bounds and bounds["lt"] <= limit:
            pass  # the model's own bound is the stricter one
        else:
            bounds.pop("lt", None)
            bounds["le"] = min(bounds.get("le", limit), limit)
    return Annotated[annotation, msgspec.Meta(**bounds)] if bounds else annotation


def _single_literal(annotation: Any, name: str) -> str:
    values = get_args(annotation) if get_origin(annotation) is Literal else ()
    if len(values) != 1 or not isinstance(values[0], str):
        raise TypeError(f"the discriminator {name!r} must be one string literal, not {annotation!r}")
    return values[0]


def _no_metadata(annotation: Any, metadata: list[Any]) -> None:
    if metadata:
        raise TypeError(f"constraints {metadata!r} on {annotation!r} are not compiled")


_last: tuple[SafetyChecks | None, msgspec.json.Decoder[list[Any]]] = (None, _decoder(None))
"""The decoder asked for last: compiled at import (an unknown constraint fails there)."""
