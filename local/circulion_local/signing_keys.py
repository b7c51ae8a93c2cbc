"""What the local stack passes to ``infra/template.yaml``: the CDN signing key pair and
visibility timeouts short enough for tests.

The key pair is created once and kept in the state directory, so signed URLs handed out by
one run stay verifiable after a restart with the same state.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from circulion_local.cfn.template import load_template
from circulion_local.ports import LocalPorts
from circulion_local.provision import TEMPLATE_PATH

PRIVATE_KEY_FILE = "cdn-signing-key.pem"
PUBLIC_KEY_FILE = "cdn-signing-key.pub.pem"
RSA_KEY_BITS = 2048  # what CloudFront accepts for public keys

VISIBILITY_PARAMETER_SUFFIX = "VisibilityTimeout"
PRODUCTION_VISIBILITY_FACTOR = 6
"""The template's visibility defaults are 6 x the consumer's function timeout."""
LOCAL_VISIBILITY_MARGIN_S = 5
"""Locally a message comes back this long after its function would have timed out."""


@dataclass(frozen=True)
class CdnKeyPair:
    """The RSA key pair CloudFront signed URLs are made and checked with (PEM text)."""

    private_key_pem: str
    public_key_pem: str


def ensure_cdn_signing_key(state_dir: Path) -> CdnKeyPair:
    """The key pair kept in ``state_dir``; created (2048-bit RSA) on first use."""
    state_dir.mkdir(parents=True, exist_ok=True)
    private_path = state_dir / PRIVATE_KEY_FILE
    if not private_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_private(private_path, pem)
    private_pem = private_path.read_bytes()
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    # The public half is always derived, so the two files can never disagree.
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (state_dir / PUBLIC_KEY_FILE).write_bytes(public_pem)
    return CdnKeyPair(private_key_pem=private_pem.decode(), public_key_pem=public_pem.decode())


def provisioning_parameters(ports: LocalPorts, state_dir: Path) -> dict[str, str]:
    """Parameter values for provisioning ``infra/template.yaml`` into the local emulator.

    ``ports`` is part of the signature so parameters that depend on where the stack listens
    have a place; none do today.
    """
    keys = ensure_cdn_signing_key(state_dir)
    return {
        "CdnPublicKeyPem": keys.public_key_pem,
        "CdnPrivateKeyPem": keys.private_key_pem,
        **local_visibility_timeouts(TEMPLATE_PATH),
    }


def local_visibility_timeouts(template: Path) -> dict[str, str]:
    """Each ``*VisibilityTimeout`` parameter: the function timeout + a margin.

    The function timeout is read back from the production default (6 x timeout), so the
    template stays the only place queues and their timeouts are listed.
    """
    parameters = load_template(template).parameters
    return {
        name: str(math.ceil(int(spec["Default"]) / PRODUCTION_VISIBILITY_FACTOR) + LOCAL_VISIBILITY_MARGIN_S)
        for name, spec in parameters.items()
        if name.endswith(VISIBILITY_PARAMETER_SUFFIX) and "Default" in spec
    }


def _write_private(path: Path, pem: bytes) -> None:
    # Written beside and renamed, readable by the owner only: never a half-written key.
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    temporary.replace(path)
