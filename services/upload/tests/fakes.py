"""In-memory fakes of the upload service's own ports, and test tokens."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from chalicelib.errors import StoreConflict, VersionTaken
from chalicelib.projection import Change, Projected
from chalicelib.projection_store import record_by_reading
from chalicelib.recipe import Recipe, Status
from chalicelib.store import ListQuery, Page, RecipeStore, created_sk, decode_cursor, encode_cursor, tenant_pk
from chalicelib.upload_urls import PresignedRequest, UploadedPart, UploadUrls
from chalicelib.version_claims import RELEASING
from circulion.contracts import Envelope
from circulion.testing import InMemoryObjectStore

ISSUER = "http://issuer.test"
AUDIENCE = "circulion-test"


class InMemoryRecipeStore(RecipeStore):
    """:class:`RecipeStore` in dicts, with the same conditions as the DynamoDB one."""

    def __init__(self) -> None:
        self.recipes: dict[str, Recipe] = {}
        self.claims: dict[tuple[str, str, str], str] = {}
        self.chunks: dict[str, set[int]] = {}

    def create(self, recipe: Recipe) -> None:
        claim = (recipe.tenant_id, recipe.name, recipe.version)
        if claim in self.claims:
            raise VersionTaken(f"{recipe.name} {recipe.version} already exists")
        self.claims[claim] = recipe.recipe_id
        self.recipes[recipe.recipe_id] = recipe

    def versions(self, tenant_id: str, name: str) -> list[str]:
        return [v for (t, n, v) in self.claims if t == tenant_id and n == name]

    def get(self, recipe_id: str) -> Recipe | None:
        return copy.deepcopy(self.recipes.get(recipe_id))

    def list(self, query: ListQuery) -> Page:
        mine = sorted(
            (r for r in self.recipes.values() if r.tenant_id == query.tenant_id),
            key=created_sk,
            reverse=True,
        )
        if query.cursor:
            after = decode_cursor(query.cursor, query.tenant_id)["gsi1sk"]
            mine = [r for r in mine if created_sk(r) < after]
        if query.status is not None:
            mine = [r for r in mine if r.status is query.status]
        if query.name is not None:
            mine = [r for r in mine if r.name == query.name]
        page = mine[: query.limit]
        cursor = None
        if len(mine) > query.limit:
            last = page[-1]
            cursor = encode_cursor(
                {
                    "pk": f"RECIPE#{last.recipe_id}",
                    "sk": "RECIPE",
                    "gsi1pk": tenant_pk(last.tenant_id),
                    "gsi1sk": created_sk(last),
                }
            )
        return Page([copy.deepcopy(r) for r in page], cursor)

    def mark_upload_completed(self, recipe_id: str, now: datetime) -> None:
        if self.recipes[recipe_id].status is Status.ABORTED:
            raise StoreConflict("the upload was aborted")
        self.recipes[recipe_id] = replace(self.recipes[recipe_id], upload_completed=True, updated_at=now)

    def abort(self, recipe: Recipe, now: datetime) -> bool:
        current = self.recipes[recipe.recipe_id]
        if current.status is not Status.AWAITING_UPLOAD or current.upload_completed:
            return False
        self.recipes[recipe.recipe_id] = replace(
            current, status=Status.ABORTED, updated_at=now, revision=current.revision + 1
        )
        self.claims.pop((recipe.tenant_id, recipe.name, recipe.version), None)
        return True

    def claim_validation(
        self, recipe_id: str, now: datetime, lease_until: datetime, *, failed_revision: int | None = None
    ) -> bool:
        r = self.recipes.get(recipe_id)
        if r is None:
            return False
        lease_over = r.validation_lease_until is not None and r.validation_lease_until < now
        free = (
            r.status is Status.AWAITING_UPLOAD
            or (r.status is Status.VALIDATING and lease_over)
            or (r.status is Status.FAILED and failed_revision is not None and r.revision == failed_revision)
        )
        if not free:
            return False
        self.recipes[recipe_id] = replace(
            r,
            status=Status.VALIDATING,
            validation_lease_until=lease_until,
            updated_at=now,
            revision=r.revision + 1,
            arrived_at=r.arrived_at or now,
        )
        return True

    def apply(self, recipe: Recipe, change: Change, now: datetime) -> None:
        current = self.recipes[recipe.recipe_id]
        if current.revision != recipe.revision:
            raise StoreConflict("changed since read")
        seen = self.chunks.setdefault(recipe.recipe_id, set())
        if change.chunk_index is not None:
            seen.add(change.chunk_index)
        updated = replace(current, updated_at=now, revision=current.revision + 1, chunks_done=len(seen))
        if change.status is not None:
            updated = replace(updated, status=change.status)
        if change.failed_at is not None:
            updated = replace(updated, failed_at=change.failed_at)
        if change.chunks_total is not None:
            updated = replace(updated, chunks_total=change.chunks_total)
        if change.errors:
            updated = replace(updated, errors=change.errors)
        if change.artifact is not None:
            updated = replace(updated, artifact=change.artifact)
        if change.milestone is not None:
            updated = replace(updated, milestones=(*current.milestones, change.milestone))
        if change.distributed_at is not None:
            updated = replace(updated, distributed_at=change.distributed_at)
        self.recipes[recipe.recipe_id] = updated
        claim = (recipe.tenant_id, recipe.name, recipe.version)
        if change.status in RELEASING and self.claims.get(claim) == recipe.recipe_id:
            del self.claims[claim]

    def record_event(self, event: Envelope, now: datetime) -> Projected | None:
        return record_by_reading(self, event, now)

    def record_withdrawal(self, recipe: Recipe, now: datetime) -> None:
        current = self.recipes[recipe.recipe_id]
        if current.revision != recipe.revision:
            raise StoreConflict("changed since read")
        self.recipes[recipe.recipe_id] = replace(
            current,
            status=recipe.status,
            withdrawn=recipe.withdrawn,
            restored=recipe.restored,
            withdrawal_sequence=recipe.withdrawal_sequence,
            updated_at=now,
            revision=current.revision + 1,
        )


@dataclass
class FakeUploadUrls(UploadUrls):
    """Presigns fake URLs and keeps multipart uploads in an :class:`InMemoryObjectStore`."""

    objects: InMemoryObjectStore

    def presign_put(self, bucket: str, key: str, content_type: str, sha256: str, ttl_s: int) -> PresignedRequest:
        return PresignedRequest(
            "PUT", f"https://s3.test/{bucket}/{key}?X-Amz-Expires={ttl_s}", {"Content-Type": content_type}
        )

    def start_multipart(self, bucket: str, key: str, content_type: str) -> str:
        return self.objects.create_multipart(bucket, key, content_type)

    def presign_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, content_type: str, ttl_s: int
    ) -> PresignedRequest:
        url = f"https://s3.test/{bucket}/{key}?uploadId={upload_id}&partNumber={part_number}"
        return PresignedRequest("PUT", url, {"Content-Type": content_type})

    def uploaded_parts(self, bucket: str, key: str, upload_id: str) -> list[UploadedPart] | None:
        upload = self.objects._uploads.get(upload_id)
        if upload is None:
            return None
        return [UploadedPart(n, "etag", len(data)) for n, data in sorted(upload[3].items())]

    def complete(self, bucket: str, key: str, upload_id: str, parts: Sequence[tuple[int, str]]) -> None:
        from circulion.adapters.object_store import CompletedPart

        self.objects.complete_multipart(bucket, key, upload_id, [CompletedPart(n, e) for n, e in parts])

    def abort(self, bucket: str, key: str, upload_id: str) -> None:
        self.objects.abort_multipart(bucket, key, upload_id)

    def exists(self, bucket: str, key: str) -> bool:
        return bool(list(self.objects.list_keys(bucket, key)))


class FakeSigner:
    def sign(self, url: str, expires_at: datetime) -> str:
        return f"{url}?Expires={int(expires_at.timestamp())}&Signature=fake&Key-Pair-Id=K1"


class TestIssuer:
    """An RSA key pair that mints tokens, and its JWKS."""

    __test__ = False

    def __init__(self, kid: str = "test-key") -> None:
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def token(self, tenant: str = "acme", *, ttl_s: int = 300, **claims: Any) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": f"user-{tenant}",
            "custom:tenant": tenant,
            "iat": now,
            "exp": now + ttl_s,
            **claims,
        }
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": self.kid})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
