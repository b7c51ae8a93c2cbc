"""The upload service's composition root: the only module that builds concrete adapters."""

from __future__ import annotations

import functools
import threading
from typing import Any

from botocore.config import Config

from chalicelib.api import UrlSigner
from chalicelib.auth import JwksKeys, TokenRules, TokenVerifier
from chalicelib.deps import SERVICE, Deps
from chalicelib.dynamo_name_index import DynamoNameIndex
from chalicelib.dynamo_outbox import DynamoCommandOutbox
from chalicelib.dynamo_store import DynamoRecipeStore
from chalicelib.errors import Unavailable
from chalicelib.settings import UploadSettings
from chalicelib.upload_urls import S3UploadUrls
from circulion import log, tracing
from circulion.platform import assemble, common_factories, lazy_platform

# URLs the customer's client sends as they are: no checksum headers it would have to add
# (AwsClients already signs S3 with SigV4 and addresses the emulator path-style).
PRESIGNING_CONFIG = Config(request_checksum_calculation="when_required", response_checksum_validation="when_required")


def build_verifier(settings: UploadSettings) -> TokenVerifier:
    if not settings.jwks_url or not settings.token_issuer or not settings.token_audience:
        raise Unavailable("token verification is not configured (jwks_url, token_issuer, token_audience)")
    keys = JwksKeys(settings.jwks_url, min_refresh_interval_s=settings.jwks_refresh_min_interval_s)
    rules = TokenRules(
        issuer=settings.token_issuer, audience=settings.token_audience, tenant_claim=settings.tenant_claim
    )
    return TokenVerifier(keys, rules)


def build(settings: UploadSettings | None = None, **overrides: Any) -> Deps:
    """The upload service's dependencies; each keyword replaces that field (a test's fake)."""
    s = settings or UploadSettings.from_env()
    platform = lazy_platform(SERVICE, s)
    table = s.resources.recipes_table

    def dynamodb() -> Any:
        return platform().clients.client("dynamodb")

    @functools.cache
    def signer() -> UrlSigner:
        from circulion.cdn_signing import load_signer

        return load_signer(platform().clients.client("secretsmanager"), s.cdn_key_secret_id)

    return assemble(
        Deps,
        overrides,
        {
            **common_factories(s, platform),
            "store": lambda: DynamoRecipeStore(dynamodb(), table),
            "urls": lambda: S3UploadUrls(platform().clients.client("s3", PRESIGNING_CONFIG)),
            "verifier": lambda: functools.cache(functools.partial(build_verifier, s)),
            "signer": lambda: signer,
            "names": lambda: DynamoNameIndex(dynamodb(), table),
            "outbox": lambda: DynamoCommandOutbox(dynamodb(), table),
        },
    )


_building = threading.Lock()


def deps() -> Deps:
    """The process's dependencies, built once (a warm Lambda, the API server, reuse them)."""
    # The API server answers on threads: without the lock, a burst of first requests each
    # built every boto3 client and the X-Ray recorder (~1 s of CPU apiece on a cold start).
    with _building:
        return _built_once()


@functools.cache
def _built_once() -> Deps:
    return build()


@functools.cache
def configure_observability() -> None:
    """Set up logging and tracing before the first request's span opens.

    Building all of ``deps()`` is lazier (and may fail on missing auth settings, which the
    API reports as 503); tracing must not wait for it, or a cold start's first request —
    the one that creates a recipe and starts its trace — goes untraced.
    """
    settings = UploadSettings.from_env()
    log.setup(SERVICE, settings.log_level)
    tracing.configure(SERVICE, enabled=settings.tracing_enabled)
