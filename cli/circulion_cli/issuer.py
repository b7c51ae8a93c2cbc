"""``circulion dev-token``: a token from the local stack's issuer (never production)."""

from __future__ import annotations

import json

from pydantic import BaseModel, ValidationError

from circulion_cli.errors import UnexpectedResponse, api_error
from circulion_cli.transport import Transport, UrllibTransport


class _DevToken(BaseModel):
    token: str


def dev_token(
    issuer_url: str,
    tenant: str,
    *,
    ttl_s: int | None = None,
    role: str | None = None,
    transport: Transport | None = None,
) -> str:
    """``POST {issuer}/dev-tokens {"tenant": ..., "role": ...}`` and return the token."""
    body: dict[str, object] = {"tenant": tenant}
    if role is not None:
        body["role"] = role
    if ttl_s is not None:
        body["ttl_s"] = ttl_s
    response = (transport or UrllibTransport()).request(
        "POST",
        issuer_url.rstrip("/") + "/dev-tokens",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        body=json.dumps(body).encode(),
    )
    if not 200 <= response.status < 300:
        text = response.body[:200].decode("utf-8", "replace")
        raise api_error(response.status, None, f"issuer answered HTTP {response.status}: {text}")
    try:
        return _DevToken.model_validate_json(response.body).token
    except ValidationError as exc:
        raise UnexpectedResponse(f"issuer answered without a token: {exc}") from exc
