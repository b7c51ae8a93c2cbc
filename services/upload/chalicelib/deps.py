"""What the upload service's routes and handlers are given: ports, settings, a clock.

No adapter is built or imported here: :mod:`chalicelib.bootstrap` builds the real ones,
tests pass fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chalicelib.api import ApiDeps, UrlSigner
from chalicelib.auth import TokenVerifier
from chalicelib.fleet import FleetDeps
from chalicelib.name_index import NameIndex
from chalicelib.outbox import CommandOutbox
from chalicelib.settings import UploadSettings
from chalicelib.store import RecipeStore
from chalicelib.upload_urls import UploadUrls
from circulion.adapters.dead_letters import DeadLetters
from circulion.adapters.object_store import ObjectStore
from circulion.batch import MessagePublisher

SERVICE = "upload"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    """Everything the upload service's handlers and routes use.

    ``verifier`` and ``signer`` are built on first use: a route that needs neither must
    work while token verification or the CDN key is not configured.
    """

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
