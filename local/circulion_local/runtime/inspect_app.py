"""Subprocess entry point: import one Chalice app and write its event sources as JSON.

Every service's top-level names are ``app`` and ``chalicelib``, so two apps can never be
imported in one process: the runtime runs this module once per app, in the app's
directory (``python -m circulion_local.runtime.inspect_app APP_DIR OUT_JSON``).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any


def describe(chalice_app: Any) -> dict[str, Any]:
    """The event sources of a loaded Chalice app, as plain JSON-able data."""
    from chalice.app import ScheduledEventConfig, ScheduleExpression, SQSEventConfig

    sources: list[dict[str, Any]] = []
    ignored: list[str] = []
    for source in chalice_app.event_sources:
        if isinstance(source, SQSEventConfig):
            sources.append(
                {
                    "kind": "sqs",
                    "name": source.name,
                    "handler_string": source.handler_string,
                    "queue": source.queue,
                    "queue_arn": source.queue_arn,
                    "batch_size": source.batch_size,
                    "maximum_batching_window_in_seconds": source.maximum_batching_window_in_seconds or 0,
                    "maximum_concurrency": source.maximum_concurrency,
                }
            )
        elif isinstance(source, ScheduledEventConfig):
            expression = source.schedule_expression
            if isinstance(expression, ScheduleExpression):
                expression = expression.to_string()
            sources.append(
                {
                    "kind": "schedule",
                    "name": source.name,
                    "handler_string": source.handler_string,
                    "expression": str(expression),
                }
            )
        else:
            ignored.append(f"{source.name} ({type(source).__name__})")
    return {
        "app_name": chalice_app.app_name,
        "has_routes": bool(chalice_app.routes),
        "event_sources": sources,
        "ignored": ignored,
    }


def main(argv: list[str]) -> int:
    app_dir, out = Path(argv[0]).resolve(), Path(argv[1])
    os.chdir(app_dir)
    sys.path.insert(0, str(app_dir))
    module = importlib.import_module("app")
    out.write_text(json.dumps(describe(module.app)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
