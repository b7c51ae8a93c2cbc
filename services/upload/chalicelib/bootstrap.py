"""Wiring, once per warm process: settings, the platform's adapters and the service's own."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.config import Config

from chalicelib.api import ApiDeps, UrlSigner
from chalicelib.auth import JwksKeys, TokenRules, TokenVerifier
from chalicelib.dynamo_name_index import DynamoNameIndex
from chalicelib.dynamo_outbox import DynamoCommandOutbox
from chalicelib.dynamo_store import DynamoRecipeStore
from chalicelib.errors import Unavailable
from chalicelib.fleet import FleetDeps
from chalicelib.name_index import NameIndex
from chalicelib.outbox import CommandOutbox
from chalicelib.settings import UploadSettings
from chalicelib.store import RecipeStore
from chalicelib.upload_urls import S3UploadUrls, UploadUrls
from circulion import log, tracing
from circulion.adapters.dead_letters import DeadLetters
from circulion.adapters.object_store import ObjectStore
from circulion.batch import MessagePublisher
from circulion.platform import build_platform

SERVICE = "upload"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    """Everything the upload service's handlers and routes use."""

    settings: UploadSettings
    publisher: MessagePublisher
    dead_letters: DeadLetters | None
    store: RecipeStore
    objects: ObjectStore
    urls: UploadUrls
    verifier: Callable[[], TokenVerifier]
    signer: Callable[[], UrlSigner]
    names: NameIndex
    outbox: CommandOutbox
    clock: Callable[[], datetime] = field(default=_now)

    @property
    def api(self) -> ApiDeps:
        return ApiDeps(settings=self.settings, store=self.store, urls=self.urls, signer=self.signer, clock=self.clock)

    @property
    def fleet(self) -> FleetDeps:
        # The CDN signer is also the policy signer: one key pair, one secret.
        return FleetDeps(
            api=self.api,
            names=self.names,
            publisher=self.publisher,
            policy_signer=self.signer,  # type: ignore[arg-type]
            outbox=self.outbox,
        )


def build_verifier(settings: UploadSettings) -> TokenVerifier:
    if not settings.jwks_url or not settings.token_issuer or not settings.token_audience:
        raise Unavailable("token verification is not configured (jwks_url, token_issuer, token_audience)")
    keys = JwksKeys(settings.jwks_url, min_refresh_interval_s=settings.jwks_refresh_min_interval_s)
    rules = TokenRules(
        issuer=settings.token_issuer, audience=settings.token_audience, tenant_claim=settings.tenant_claim
    )
    return TokenVerifier(keys, rules)


def _presigning_client(settings: UploadSettings) -> Any:
    import boto3

    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"} if settings.endpoint_url else {},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session(region_name=settings.region).client(
        "s3", endpoint_url=settings.endpoint_url, config=config
    )


_override: Deps | None = None


def use(deps: Deps | None) -> None:
    """Tests inject fakes here; ``None`` goes back to the real wiring."""
    global _override  # noqa: PLW0603 - the one test seam, instead of patching modules
    _override = deps


_building = threading.Lock()


def deps() -> Deps:
    if _override is not None:
        return _override
    # The API server answers on threads: without the lock, a burst of first requests each
    # built every boto3 client and the X-Ray recorder (~1 s of CPU apiece on a cold start).
    with _building:
        return _real_deps()


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


@functools.cache
def _real_deps() -> Deps:
    settings = UploadSettings.from_env()
    platform = build_platform(SERVICE, settings)
    clients = platform.clients

    @functools.cache
    def verifier() -> TokenVerifier:
        return build_verifier(settings)

    @functools.cache
    def signer() -> UrlSigner:
        from circulion.cdn_signing import load_signer

        return load_signer(clients.client("secretsmanager"), settings.cdn_key_secret_id)

    store = DynamoRecipeStore(clients.client("dynamodb"), settings.resources.recipes_table)
    return Deps(
        settings=settings,
        publisher=platform.publisher,
        dead_letters=platform.dead_letters,
        store=store,
        objects=platform.objects,
        urls=S3UploadUrls(_presigning_client(settings)),
        verifier=verifier,
        signer=signer,
        names=DynamoNameIndex(clients.client("dynamodb"), settings.resources.recipes_table),
        outbox=DynamoCommandOutbox(clients.client("dynamodb"), settings.resources.recipes_table),
    )
