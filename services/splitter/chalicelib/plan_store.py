"""Where plans live, and the claim that makes ``split`` fan out once per recipe.

The plan object ``plans/{recipe_id}.json`` in the work bucket is also the fan-out's
state. It is created with a conditional write (``If-None-Match: *``, which S3 and the
emulator honour), so of two concurrent ``recipe.validated`` deliveries exactly one wins
the claim. The winner enqueues the tasks and then marks the plan ``enqueued``; later
deliveries see that and send nothing. A claim that is never marked (the winner crashed
mid fan-out) expires after a lease; the next delivery takes it over with a conditional
overwrite (``If-Match`` on the ETag) and fans out again — harmless, since every worker
and the merger are idempotent on (recipe_id, chunk index).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

from chalicelib.planning import ChunkPlan
from circulion.contracts.events import ChunkSpan, ObjectRef
from circulion.errors import TransientError

State = Literal["claimed", "enqueued"]


class FanOutInProgress(TransientError):
    """Another delivery holds a fresh claim on this recipe's fan-out; retry later."""

    code = "fan_out_in_progress"


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a fan-out: the plan to use, and whether to send it."""

    plan: ChunkPlan
    fan_out: bool


def plan_key(recipe_id: str) -> str:
    return f"plans/{recipe_id}.json"


def encode(recipe_id: str, plan: ChunkPlan, state: State, claimed_at: float) -> bytes:
    document = {
        "recipe_id": recipe_id,
        "size_bytes": plan.size_bytes,
        "chunk_size": plan.chunk_size,
        "total_chunks": plan.total_chunks,
        "spans": [span.model_dump() for span in plan.spans],
        "state": state,
        "claimed_at": claimed_at,
    }
    return json.dumps(document, separators=(",", ":")).encode()


def decode(data: bytes) -> tuple[ChunkPlan, State, float]:
    document = json.loads(data)
    spans = tuple(ChunkSpan.model_validate(span) for span in document["spans"])
    plan = ChunkPlan(int(document["size_bytes"]), int(document["chunk_size"]), spans)
    return plan, document["state"], float(document["claimed_at"])


# An ABC, not a Protocol like the other ports: it is a template method (Powertools'
# persistence layer shape), the claim protocol written once over four storage primitives
# that the S3 store and the in-memory fake each implement; both must inherit ``claim``.
class PlanStore(ABC):
    """Port: plans and their fan-out state. Backends implement the four primitives."""

    def __init__(self, bucket: str, lease_seconds: float) -> None:
        self.bucket = bucket
        self._lease = lease_seconds

    def ref(self, recipe_id: str) -> ObjectRef:
        return ObjectRef(bucket=self.bucket, key=plan_key(recipe_id))

    def claim(self, recipe_id: str, plan: ChunkPlan, now: float) -> Claim:
        """Claim the fan-out of ``recipe_id``.

        Raises
        ------
        FanOutInProgress
            Another delivery claimed it less than a lease ago and has not finished.
        """
        key = plan_key(recipe_id)
        if self._create(key, encode(recipe_id, plan, "claimed", now)):
            return Claim(plan, fan_out=True)
        data, etag = self._read(key)
        try:
            stored, state, claimed_at = decode(data)
        except (ValueError, KeyError, TypeError):
            # Unreadable state cannot say "done": redo the fan-out with our own plan.
            stored, state, claimed_at = plan, "claimed", float("-inf")
        if state == "enqueued":
            return Claim(stored, fan_out=False)
        if now - claimed_at < self._lease:
            raise FanOutInProgress(f"recipe {recipe_id}: fan-out claimed {now - claimed_at:.0f}s ago")
        if self._replace(key, encode(recipe_id, stored, "claimed", now), etag):
            return Claim(stored, fan_out=True)
        raise FanOutInProgress(f"recipe {recipe_id}: claim taken over concurrently")

    def mark_enqueued(self, recipe_id: str, plan: ChunkPlan, now: float) -> None:
        """Record that every task and ``recipe.split`` were sent."""
        self._put(plan_key(recipe_id), encode(recipe_id, plan, "enqueued", now))

    @abstractmethod
    def _create(self, key: str, data: bytes) -> bool:
        """Write ``data`` only if ``key`` does not exist; ``False`` if it does."""

    @abstractmethod
    def _read(self, key: str) -> tuple[bytes, str]:
        """The object's bytes and ETag."""

    @abstractmethod
    def _replace(self, key: str, data: bytes, etag: str) -> bool:
        """Overwrite only if the ETag still matches; ``False`` if it changed."""

    @abstractmethod
    def _put(self, key: str, data: bytes) -> None:
        """Overwrite unconditionally."""


_CONFLICT = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}


class S3PlanStore(PlanStore):
    """:class:`PlanStore` on S3 conditional writes."""

    def __init__(self, s3: Any, bucket: str, lease_seconds: float) -> None:
        super().__init__(bucket, lease_seconds)
        self._s3 = s3

    def _write(self, key: str, data: bytes, **conditions: str) -> bool:
        try:
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="application/json", **conditions)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _CONFLICT:
                return False
            raise TransientError(f"s3://{self.bucket}/{key}: {code or exc}") from exc
        return True

    def _create(self, key: str, data: bytes) -> bool:
        return self._write(key, data, IfNoneMatch="*")

    def _read(self, key: str) -> tuple[bytes, str]:
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            raise TransientError(f"s3://{self.bucket}/{key}: {exc}") from exc
        return bytes(response["Body"].read()), str(response["ETag"])

    def _replace(self, key: str, data: bytes, etag: str) -> bool:
        return self._write(key, data, IfMatch=etag)

    def _put(self, key: str, data: bytes) -> None:
        self._write(key, data)
