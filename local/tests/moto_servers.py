"""An in-process moto server on free ports, for emulator and edge tests that need no stack,
and a signer the edge in front of it trusts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.server import ThreadedMotoServer

from circulion.cdn_signing import CdnUrlSigner
from circulion_local.clients import local_client
from circulion_local.free_ports import free_ports
from circulion_local.ports import HOST, LocalPorts

__all__ = ["local_client", "moto_server", "trusted_signer"]


@contextmanager
def moto_server() -> Iterator[LocalPorts]:
    """A moto server listening on the emulator port of a free offset, stopped on exit."""
    ports = free_ports()
    server = ThreadedMotoServer(ip_address=HOST, port=ports.emulator, verbose=False)
    server.start()
    try:
        yield ports
    finally:
        server.stop()


def trusted_signer(cloudfront: Any) -> CdnUrlSigner:
    """A new RSA key whose public half is in a CloudFront key group (the edge trusts it)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    key_id = cloudfront.create_public_key(
        PublicKeyConfig={"CallerReference": "t", "Name": "t", "EncodedKey": public.decode()}
    )["PublicKey"]["Id"]
    cloudfront.create_key_group(KeyGroupConfig={"Name": "g", "Items": [key_id]})
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return CdnUrlSigner(key_id, pem.decode())
