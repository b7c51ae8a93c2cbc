"""The local CDN key pair and the parameters the local stack provisions with."""

from __future__ import annotations

import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.hashes import SHA1

from circulion_local.cfn.intrinsics import bind_parameters
from circulion_local.cfn.template import load_template
from circulion_local.ports import LocalPorts
from circulion_local.provision import TEMPLATE_PATH
from circulion_local.signing_keys import (
    PRIVATE_KEY_FILE,
    ensure_cdn_signing_key,
    local_visibility_timeouts,
    provisioning_parameters,
)


def test_key_pair_is_created_once_and_kept(tmp_path: Path) -> None:
    first = ensure_cdn_signing_key(tmp_path)
    second = ensure_cdn_signing_key(tmp_path)
    assert first == second
    assert stat.S_IMODE((tmp_path / PRIVATE_KEY_FILE).stat().st_mode) == 0o600
    # The halves match: what the private key signs, the public key verifies (CloudFront: SHA1withRSA).
    private = serialization.load_pem_private_key(first.private_key_pem.encode(), password=None)
    public = serialization.load_pem_public_key(first.public_key_pem.encode())
    assert isinstance(private, rsa.RSAPrivateKey)
    assert isinstance(public, rsa.RSAPublicKey)
    signature = private.sign(b"policy", padding.PKCS1v15(), SHA1())
    public.verify(signature, b"policy", padding.PKCS1v15(), SHA1())


def test_local_visibility_is_function_timeout_plus_margin() -> None:
    timeouts = local_visibility_timeouts(TEMPLATE_PATH)
    assert timeouts == {
        "UploadValidateVisibilityTimeout": "305",
        "UploadStatusVisibilityTimeout": "35",
        "SplitterVisibilityTimeout": "65",
        "SplitterWorkVisibilityTimeout": "125",
        "MergerVisibilityTimeout": "605",
        "DistributorVisibilityTimeout": "75",
    }


def test_parameters_bind_to_the_template(tmp_path: Path) -> None:
    parameters = provisioning_parameters(LocalPorts(100), tmp_path)
    bound = bind_parameters(load_template(TEMPLATE_PATH), parameters)
    assert bound["CdnPublicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert bound["CdnPrivateKeyPem"].startswith("-----BEGIN PRIVATE KEY-----")
    assert bound["SplitterWorkVisibilityTimeout"] == "125"
