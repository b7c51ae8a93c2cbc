"""``--reserved-concurrency service.function=N``: run one of the apps' functions with another limit.

For measurements (the benchmark's one-chunk-worker variant): the function stays the app's
own — its code, its queue, its role from ``deploy/permissions.py`` — and only the
``reserved_concurrency`` Lambda would apply differs from its ``.chalice/config.json``.

Examples
--------
>>> parse_reserved(["splitter.process_chunk=1"])
(('splitter.process_chunk', 1),)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from circulion_local.runtime.functions import AppSpec

Reserved = tuple[tuple[str, int], ...]


def parse_reserved(values: Iterable[str]) -> Reserved:
    """``service.function=N`` options as pairs; a malformed one is a :class:`ValueError` saying the form."""
    found: dict[str, int] = {}
    for value in values:
        label, _, count = value.partition("=")
        if "." not in label or not count.strip().isdigit() or int(count) < 1:
            raise ValueError(f"--reserved-concurrency {value!r}: expected service.function=N with N >= 1")
        found[label.strip()] = int(count)
    return tuple(found.items())


def with_reserved(apps: Sequence[AppSpec], reserved: Reserved) -> list[AppSpec]:
    """``apps`` with the given functions' ``reserved_concurrency`` replaced; an unknown function is refused."""
    wanted = dict(reserved)
    known = {spec.label for app in apps for spec in app.functions}
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise ValueError(f"--reserved-concurrency for unknown function(s) {', '.join(unknown)}; known: {sorted(known)}")
    changed = []
    for app in apps:
        functions = tuple(
            dataclasses.replace(
                spec, settings=dataclasses.replace(spec.settings, reserved_concurrency=wanted[spec.label])
            )
            if spec.label in wanted
            else spec
            for spec in app.functions
        )
        changed.append(dataclasses.replace(app, functions=functions))
    return changed
