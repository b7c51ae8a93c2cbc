"""Where a recipe name's objects live in the artifacts bucket (and so at the CDN).

The distributor writes them, the upload service signs credentials for them: both must
agree on the layout, so it is written down once here.
"""

from __future__ import annotations

POINTER_NAME = "latest.json"


def name_prefix(tenant_id: str, name: str) -> str:
    """``artifacts/{tenant}/{name}/``: the name's archives and its pointer."""
    return f"artifacts/{tenant_id}/{name}/"


def pointer_key(tenant_id: str, name: str) -> str:
    """``artifacts/{tenant}/{name}/latest.json``, beside the name's versioned archives."""
    return name_prefix(tenant_id, name) + POINTER_NAME
