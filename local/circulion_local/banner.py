"""The banner ``run`` prints once the stack is ready: where everything is, read from ready.json."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def banner(ready: Mapping[str, Any]) -> list[str]:
    """Where everything is, for a developer who just typed ``make run``."""
    auxiliary = ready["auxiliary"]

    def where(name: str, url: str) -> str:
        state = auxiliary.get(name, "absent")
        return url if state == "running" else f"({state})"

    offset = ready["ports"]["offset"]
    env = f"CIRCULION_PORT_OFFSET={offset} " if offset else ""
    iam = "enforced: each function runs as its role" if ready.get("enforce_iam", True) else "NOT enforced"
    return [
        "-" * 72,
        f"  API          {ready['api_url'] or '(not served)'}",
        f"  AWS endpoint {ready['endpoint_url']}   (AWS_ENDPOINT_URL; key testing/testing is the account's root)",
        f"  IAM          {iam}",
        f"  CDN edge     {where('edge', ready['edge_url'])}",
        f"  token issuer {where('issuer', ready['issuer_url'])}",
        f"  X-Ray daemon {where('xray_daemon', 'udp://127.0.0.1:' + str(ready['ports']['xray_daemon']))}",
        f"  dev token    {env}circulion dev-token --tenant NAME",
        f"  functions    {len(ready['functions'])}; logs in {ready['logs']['functions']}",
        f"  runtime log  {ready['logs']['runtime']}",
        "  Ctrl-C stops everything, and the emulator keeps its data in memory: after a restart",
        "  every recipe is gone, while tokens from before still work (the issuer's key is kept).",
        "-" * 72,
    ]
