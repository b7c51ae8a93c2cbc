"""``--reserved-concurrency service.function=N``: run one of the apps' functions with another limit.

For measurements (the benchmark's one-chunk-worker variant): the function stays the app's
own — its code, its queue, its role from ``deploy/permissions.py`` — and only the
``reserved_concurrency`` Lambda would apply differs from its ``.chalice/config.json``.

Examples
--------
>>> reserved_option("splitter.process_chunk=1")
('splitter.process_chunk', 1)
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence

from circulion.errors import ConfigurationError
from circulion_local.runtime.functions import AppSpec

Reserved = tuple[tuple[str, int], ...]


class UnknownFunction(ConfigurationError):
    """``--reserved-concurrency`` names a function no selected app has."""

    code = "unknown_function"


def reserved_option(value: str) -> tuple[str, int]:
    """One ``service.function=N`` (argparse ``type``: a malformed one is a usage error saying the form)."""
    label, _, count = value.partition("=")
    if "." not in label or not count.strip().isdigit() or int(count) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: expected service.function=N with N >= 1")
    return label.strip(), int(count)


def with_reserved(apps: Sequence[AppSpec], reserved: Reserved) -> list[AppSpec]:
    """``apps`` with the given functions' ``reserved_concurrency`` replaced; an unknown function is refused."""
    wanted = dict(reserved)
    known = {spec.label for app in apps for spec in app.functions}
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise UnknownFunction(
            f"--reserved-concurrency for unknown function(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
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
