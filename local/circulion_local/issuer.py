"""The local token issuer: what Cognito is to production, for the local stack.

It keeps one RSA key pair in ``state_dir/issuer/`` (created on first start, reused after,
so tokens survive a restart), publishes its public half as a JWKS at
``GET /.well-known/jwks.json``, and mints tokens at the dev-only ``POST /dev-tokens``
(``{"tenant": "acme", "ttl_s": 3600, "role": "robot"}`` → ``{"token": "..."}``), which
``circulion dev-token`` calls. Tokens look like Cognito ID tokens: RS256 with a ``kid``,
``iss`` = the issuer URL, ``aud`` = :data:`AUDIENCE`, the tenant in ``custom:tenant``, a role other than uploader in
``cognito:groups`` (as Cognito puts a user's groups); the
upload API verifies them with the same code it uses for Cognito.

A negative ``ttl_s`` mints an already expired token, for tests of expiry.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from circulion_local.ports import HOST, LocalPorts

AUDIENCE = "circulion-local"
"""The local stack's app client id (the upload API's ``CIRCULION_TOKEN_AUDIENCE``)."""
TENANT_CLAIM = "custom:tenant"
GROUPS_CLAIM = "cognito:groups"
ROLES = ("uploader", "robot", "admin")
"""The roles a dev token may carry (``role`` in a ``/dev-tokens`` body; default uploader)."""
MAX_TTL_S = 24 * 3600
KEY_FILE = "private_key.pem"

_log = logging.getLogger("circulion_local.issuer")


def load_or_create_key(directory: Path) -> rsa.RSAPrivateKey:
    """The issuer's private key, generated once and kept (mode 0600) in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / KEY_FILE
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError(f"{path} is not an RSA private key")
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pem)
    tmp.chmod(0o600)
    tmp.replace(path)
    return key


class TokenIssuer:
    """Mints tokens and describes its key as a JWKS."""

    def __init__(self, key: rsa.RSAPrivateKey, issuer_url: str) -> None:
        self._key = key
        self.issuer_url = issuer_url
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
        # The kid is a digest of the public key, so a new key never reuses an old kid.
        self.kid = base64.urlsafe_b64encode(hashlib.sha256(jwk["n"].encode()).digest()[:12]).decode().rstrip("=")
        self._jwk = {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self._jwk]}

    def mint(self, tenant: str, ttl_s: int = 3600, subject: str | None = None, groups: Sequence[str] = ()) -> str:
        """A token for ``tenant``; ``groups`` become ``cognito:groups`` (roles), none: an uploader."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer_url,
            "aud": AUDIENCE,
            "sub": subject or f"dev-{tenant}",
            "token_use": "id",
            TENANT_CLAIM: tenant,
            "iat": now,
            "exp": now + ttl_s,
        }
        if groups:
            claims[GROUPS_CLAIM] = list(groups)
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})


def _token_request(body: bytes) -> tuple[str, int, tuple[str, ...]]:
    """``(tenant, ttl_s, groups)`` from a ``/dev-tokens`` body, or ``ValueError``."""
    document = json.loads(body or b"{}")
    if not isinstance(document, dict):
        raise ValueError("body must be a JSON object")
    tenant = document.get("tenant")
    if not isinstance(tenant, str) or not tenant:
        raise ValueError("'tenant' (a non-empty string) is required")
    ttl = document.get("ttl_s", 3600)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or abs(ttl) > MAX_TTL_S or ttl == 0:
        raise ValueError(f"'ttl_s' must be a non-zero integer within ±{MAX_TTL_S}")
    role = document.get("role", "uploader")
    if role not in ROLES:
        raise ValueError(f"'role' must be one of {', '.join(ROLES)}")
    # An uploader token carries no group claim at all, as every token did before roles.
    return tenant, ttl, () if role == "uploader" else (role,)


def _handler(issuer: TokenIssuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] == "/.well-known/jwks.json":
                self._send(200, issuer.jwks())
            else:
                self._send(404, {"error": {"code": "not_found", "message": self.path, "details": None}})

        def do_POST(self) -> None:
            if self.path.split("?", 1)[0] != "/dev-tokens":
                self._send(404, {"error": {"code": "not_found", "message": self.path, "details": None}})
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                tenant, ttl, groups = _token_request(self.rfile.read(length))
            except ValueError as exc:
                self._send(400, {"error": {"code": "invalid_request", "message": str(exc), "details": None}})
                return
            self._send(200, {"token": issuer.mint(tenant, ttl, groups=groups), "expires_in": ttl})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            _log.debug(format, *args)

    return Handler


class IssuerServer:
    """The running issuer (a :class:`~circulion_local.ports.Stoppable`)."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread, issuer: TokenIssuer) -> None:
        self._server = server
        self._thread = thread
        self.issuer = issuer

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start(ports: LocalPorts, state_dir: Path) -> IssuerServer:
    """Serve the issuer on ``ports.issuer`` with the key kept in ``state_dir/issuer``."""
    issuer = TokenIssuer(load_or_create_key(state_dir / "issuer"), ports.issuer_url)
    server = ThreadingHTTPServer((HOST, ports.issuer), _handler(issuer))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="circulion-issuer", daemon=True)
    thread.start()
    _log.info("token issuer on %s", ports.issuer_url)
    return IssuerServer(server, thread, issuer)
