"""CloudFront signed cookies on the edge: the ``Cookie`` header, as the URL to verify.

A viewer may carry the signature in cookies instead of the query string
(``CloudFront-Policy`` or ``CloudFront-Expires``, with ``CloudFront-Signature`` and
``CloudFront-Key-Pair-Id``); :func:`circulion.cdn_policy.url_with_cookie_credential` moves
them into the query so the signed-URL verifier checks either form. This module only reads
the header.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from circulion.cdn_policy import COOKIE_TO_PARAMETER, url_with_cookie_credential


def signing_cookies(cookie_header: str | None) -> dict[str, str]:
    """CloudFront's signing cookies in a ``Cookie`` header, by cookie name."""
    if not cookie_header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return {}  # a malformed Cookie header signs nothing: the request is then unsigned
    return {name: jar[name].value for name in sorted(COOKIE_TO_PARAMETER) if name in jar and jar[name].value}


def url_to_verify(url: str, cookie_header: str | None) -> str:
    """``url``, with the signed cookies' parameters appended when its query has no signature."""
    return url_with_cookie_credential(url, signing_cookies(cookie_header))
