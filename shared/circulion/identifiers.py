"""The shapes of what becomes an S3 key segment, a CDN path or a tenant, and the one way to check them.

Python's ``$`` also matches just before a trailing newline, so an anchored ``^...$`` used with
``match`` accepted a name that later failed in the merger. Every check here is a full match of an
unanchored body (:func:`is_full_match`); a pydantic ``pattern=`` gets :func:`field_pattern`,
anchored for pydantic-core's Rust engine, whose ``$`` is the end of the text. That engine
falls back to Python's ``re.search`` (loose ``$``) for a pattern it cannot compile, such as
one with a look-around, so the bodies here use none (the property tests check the fields).

Examples
--------
>>> is_full_match(RECIPE_NAME, "arm\\n")
False
"""

from __future__ import annotations

import functools
import re

RECIPE_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
"""A recipe name: a key segment and a CDN path segment (``..`` is refused separately)."""

TENANT_ID = RECIPE_NAME
"""A tenant id: the first segment of every key the tenant owns."""

RECIPE_ID = r"[0-9a-f]{32}"
"""A recipe id: a uuid4 hex."""

RECIPE_VERSION = r"(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})"
"""A version the API accepts: ``MAJOR.MINOR.PATCH``, each at most nine digits."""

SHA256_HEX = r"[0-9a-fA-F]{64}"
"""A SHA-256 as hex (the API lower-cases it)."""

SHA256_HEX_LOWER = r"[0-9a-f]{64}"
"""A SHA-256 as lower-case hex, as events carry it."""


@functools.cache
def compiled(body: str) -> re.Pattern[str]:
    """The compiled ``body``; use its ``fullmatch`` (never ``match`` with ``$``)."""
    return re.compile(body)


def is_full_match(body: str, text: str) -> bool:
    """Whether all of ``text`` (a trailing newline included) matches ``body``."""
    return compiled(body).fullmatch(text) is not None


def field_pattern(body: str) -> str:
    """``body`` anchored for a pydantic ``Field(pattern=...)`` (pydantic-core's ``$`` is strict).

    Bodies have no top-level ``|``, so no group is needed (and JSON Schemas stay as they were).
    """
    if "|" in re.sub(r"\((?:[^()]|\([^()]*\))*\)", "", body):
        raise ValueError(f"pattern {body!r} has a top-level alternation: group it")
    return f"^{body}$"
