"""One reading of a request target: the URL the signature must cover and the key served.

The edge used to verify ``http://`` + the client's ``Host`` + the target while serving the
key parsed from the target alone, so a ``Host`` carrying another URL (ended by ``#``)
was verified instead of the path served. Here both come from the same target, the URL is
built on the edge's own base URL, and a target is refused unless its path is exactly the
canonical CDN path of the key it names (:func:`circulion.cdn_signing.cdn_path`): no
``%2F`` inside a segment, no ``.``/``..`` or empty segments, no needless escapes, no
control characters. The query never reaches the key, so it cannot change what is served.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from circulion.cdn_signing import MalformedSignedUrl, cdn_path


@dataclass(frozen=True)
class EdgeTarget:
    """What a request asks of the edge: the URL to verify and the object key to serve."""

    url: str
    key: str


def resolve_target(target: str, base_url: str) -> EdgeTarget:
    """Turn a request target (``/path?query``) into the URL verified and the key served.

    Raises
    ------
    MalformedSignedUrl
        The target is not origin-form (``/`` first, not ``//``), has a fragment, or its
        path is not the canonical path of one object key.
    """
    if not target.startswith("/") or target.startswith("//"):
        raise MalformedSignedUrl("The request target must be a path starting with a single /")
    if "#" in target:
        raise MalformedSignedUrl("The request target has a fragment")
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in target):
        raise MalformedSignedUrl("The request target has a control character or a space")
    path = target.partition("?")[0]
    try:
        key = unquote(path[1:], errors="strict")
    except UnicodeDecodeError as exc:
        raise MalformedSignedUrl("The path's escapes are not UTF-8") from exc
    segments = key.split("/")
    if any(segment in ("", ".", "..") for segment in segments) or any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise MalformedSignedUrl("The path has an empty, '.' or '..' segment or an encoded control character")
    if cdn_path(key) != path:
        raise MalformedSignedUrl("The path is not the canonical encoding of an object key")
    return EdgeTarget(url=base_url.rstrip("/") + target, key=key)
