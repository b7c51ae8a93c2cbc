"""``python -m bench.capacity``: demand against AWS limits at a load profile.

Every :class:`~bench.capacity.traffic.LoadProfile` field is a flag (``--recipes-per-day``,
``--peak-factor``, ``--region``...). ``--markdown`` rewrites the generated part of
docs/CAPACITY.md; ``--check`` exits 1 when that part differs from what the model gives.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from bench.capacity import inputs, model, render
from bench.capacity.traffic import LoadProfile

DOC = inputs.REPO / "docs" / "CAPACITY.md"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    fields = {
        f.name: getattr(args, f.name) for f in dataclasses.fields(LoadProfile) if getattr(args, f.name) is not None
    }
    profile = LoadProfile(**fields)
    measured, design = inputs.measured(Path(args.results)), inputs.design()
    rows = model.rows(profile, measured, design)
    if args.markdown or args.check:
        generated = render.markdown(rows, profile, measured, design)
        doc = Path(args.doc)
        if args.check:
            if render.generated_section(doc.read_text()) != generated:
                print(f"{doc} is out of date: run python -m bench.capacity --markdown", file=sys.stderr)
                return 1
            return 0
        render.write(doc, generated)
        print(f"wrote the generated tables of {doc}")
        return 0
    print(render.text(rows, profile))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__.split("\n\n")[0])
    for f in dataclasses.fields(LoadProfile):
        kind = {"int": int, "float": float, "str": str}.get(str(f.type).split(" ")[0], float)
        parser.add_argument(f"--{f.name.replace('_', '-')}", type=kind, default=None, help=f"default {f.default}")
    parser.add_argument("--results", default=str(inputs.RESULTS), help="a make-bench latest.json")
    parser.add_argument("--markdown", action="store_true", help="rewrite the generated part of docs/CAPACITY.md")
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/CAPACITY.md is out of date")
    parser.add_argument("--doc", default=str(DOC))
    return parser


if __name__ == "__main__":
    sys.exit(main())
