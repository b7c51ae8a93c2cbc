"""CloudFront signed cookies, as the signed-URL verifier's query parameters.

A viewer may carry the signature in cookies instead of the query string:
``CloudFront-Policy`` (custom policy) or ``CloudFront-Expires`` (canned), with
``CloudFront-Signature`` and ``CloudFront-Key-Pair-Id``. They hold the same values the
query parameters would, so the edge checks a cookie-signed request by moving them into the
URL it verifies. A URL that carries its own signing parameters is checked on those alone.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode, urlsplit

from circulion.cdn_signing import SIGNING_PARAMETERS

COOKIE_PREFIX = "CloudFront-"


def signing_cookies(cookie_header: str | None) -> dict[str, str]:
    """The signing parameters the ``Cookie`` header carries, by query parameter name."""
    if not cookie_header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return {}  # a malformed Cookie header signs nothing: the request is then unsigned
    found = {}
    for name in SIGNING_PARAMETERS:
        morsel = jar.get(COOKIE_PREFIX + name)
        if morsel is not None and morsel.value:
            found[name] = morsel.value
    return found


def url_to_verify(url: str, cookie_header: str | None) -> str:
    """``url``, with the signed cookies' parameters appended when its query has none."""
    query = urlsplit(url).query
    names = {item.partition("=")[0] for item in query.split("&") if item}
    if names & SIGNING_PARAMETERS:
        return url
    cookies = signing_cookies(cookie_header)
    if not cookies:
        return url
    return url + ("&" if query else "?") + urlencode(sorted(cookies.items()))
