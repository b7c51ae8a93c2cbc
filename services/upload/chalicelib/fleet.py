"""The name routes: a tenant's names, one name's versions, and its live version for robots.

``latest`` hands out two things: a short-lived URL of the live archive, and a long-lived
custom-policy credential over the name's whole CDN prefix, with which a robot polls the
pointer at the edge (conditional GETs, served from cache) and fetches whatever archive it
names, without coming back here until the credential nears its expiry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from chalicelib.api import ApiDeps
from chalicelib.auth import Principal
from chalicelib.errors import NotFound, Unavailable
from chalicelib.fleet_models import EdgeCredential, Latest, LiveView, NameList, NameSummary, NameView, VersionView
from chalicelib.inputs import NameListParams
from chalicelib.live import LiveVersion, live_version, matches_etag, newest_first
from chalicelib.name_index import NameIndex
from chalicelib.outbox import CommandOutbox
from chalicelib.recipe import Recipe, name_problem
from chalicelib.views import withdrawal_view
from circulion.artifact_paths import name_prefix, pointer_key
from circulion.batch import MessagePublisher
from circulion.cdn_policy import PolicySigner, policy_credential
from circulion.cdn_signing import cdn_path


@dataclass(frozen=True)
class FleetDeps:
    api: ApiDeps
    names: NameIndex
    publisher: MessagePublisher
    policy_signer: Callable[[], PolicySigner]
    outbox: CommandOutbox


def _live_view(live: LiveVersion | None) -> LiveView | None:
    if live is None:
        return None
    return LiveView(
        version=live.version,
        recipe_id=live.recipe_id,
        sha256=live.sha256,
        size=live.size,
        published_at=live.published_at,
    )


def list_names(principal: Principal, params: NameListParams, deps: FleetDeps) -> NameList:
    page = deps.names.list(principal.tenant_id, params.limit, params.cursor or None)
    return NameList(names=[NameSummary(name=e.name, live=_live_view(e.live)) for e in page.names], cursor=page.cursor)


def _versions(principal: Principal, name: str, deps: FleetDeps) -> list[Recipe]:
    """The tenant's recipes of ``name``; none (or another tenant's name) is a 404."""
    recipes = [] if name_problem(name) else deps.names.recipes_of(principal.tenant_id, name)
    if not recipes:
        raise NotFound(f"no recipe name {name}")
    return recipes


def _version_view(recipe: Recipe) -> VersionView:
    artifact = recipe.artifact
    return VersionView(
        version=recipe.version,
        recipe_id=recipe.recipe_id,
        status=recipe.status,
        created_at=recipe.created_at,
        updated_at=recipe.updated_at,
        published_at=recipe.distributed_at,
        sha256=artifact.sha256 if artifact else None,
        size=artifact.size_bytes if artifact else None,
        withdrawn=withdrawal_view(recipe),
    )


def get_name(principal: Principal, name: str, deps: FleetDeps) -> NameView:
    recipes = _versions(principal, name, deps)
    return NameView(
        name=name,
        live=_live_view(live_version(recipes)),
        versions=[_version_view(r) for r in newest_first(recipes)],
    )


def live_of(principal: Principal, name: str, deps: FleetDeps) -> LiveVersion:
    """The name's live version; ``NotFound`` (``no_live_version``) when none is."""
    live = live_version(_versions(principal, name, deps))
    if live is None:
        raise NotFound(f"{name} has no live version", code="no_live_version")
    return live


def latest(
    principal: Principal, name: str, if_none_match: str | None, deps: FleetDeps
) -> tuple[LiveVersion, Latest | None]:
    """The live version, and its body unless ``If-None-Match`` already names it (a 304)."""
    live = live_of(principal, name, deps)
    if matches_etag(if_none_match, live.sha256):
        return live, None
    base = deps.api.settings.cdn_base_url
    if not base:
        raise Unavailable("downloads are not configured (no CDN base URL)")
    base = base.rstrip("/")
    now = deps.api.clock()
    url_expires = now + timedelta(seconds=deps.api.settings.download_url_ttl_s)
    credential = policy_credential(
        deps.policy_signer(),
        base + cdn_path(name_prefix(principal.tenant_id, name)) + "*",
        now + timedelta(seconds=deps.api.settings.edge_credential_ttl_s),
    )
    edge = EdgeCredential(
        pointer_url=credential.sign(base + cdn_path(pointer_key(principal.tenant_id, name))),
        expires_at=credential.expires_at,
        resource=credential.resource,
        query=credential.query,
        cookies=credential.cookies,
    )
    body = Latest(
        name=name,
        version=live.version,
        recipe_id=live.recipe_id,
        sha256=live.sha256,
        size=live.size,
        published_at=live.published_at,
        url=deps.api.signer().sign(base + live.download_path, url_expires),
        edge=edge,
    )
    return live, body
