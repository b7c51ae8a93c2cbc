"""Where a customer's upload lives in the uploads bucket: ``incoming/{tenant}/{recipe}``.

The upload service writes the key and reads it back from S3 notifications; the CLI reads
it from dead letters. All must agree on the layout, so it is written down once here.
"""

from __future__ import annotations

import re

from circulion.identifiers import RECIPE_ID, TENANT_ID

INCOMING = "incoming"
"""The top-level prefix of every upload (the bucket's notifications filter on it)."""

INCOMING_KEY = re.compile(rf"{INCOMING}/(?P<tenant>{TENANT_ID})/(?P<recipe>{RECIPE_ID})")
"""A well-formed upload key (``fullmatch`` it): the tenant and recipe as named groups."""


def incoming_key(tenant_id: str, recipe_id: str) -> str:
    """``incoming/{tenant}/{recipe}``: where the customer's bytes land."""
    return f"{INCOMING}/{tenant_id}/{recipe_id}"


def recipe_of_key(key: str) -> str | None:
    """The recipe segment of any ``incoming/{tenant}/{recipe}``-shaped key, else ``None``.

    Lenient on purpose (no identifier check): it names what a stray message is about."""
    parts = key.split("/")
    if len(parts) == 3 and parts[0] == INCOMING and parts[2]:
        return parts[2]
    return None
