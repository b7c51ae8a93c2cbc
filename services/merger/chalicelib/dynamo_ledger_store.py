""":class:`~chalicelib.ledger_store.LedgerStore` on DynamoDB (or the emulator's), I/O only.

Recording a chunk is ONE transaction: put the marker if absent and ``ADD`` one to the
job's counter; a duplicate fails the marker's condition, a chunk count other than the
recorded plan's fails the job's, and either changes nothing. Every other change to
a job is a compare-and-set on its ``version`` (or, for the lease holder, on the lease).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from chalicelib.ledger import Job, JobState
from chalicelib.ledger_store import (
    CHUNK_PREFIX,
    JOB_SK,
    ChunkCountConflict,
    LedgerStore,
    PlanConflict,
    chunk_sk,
    job_key,
)
from circulion.contracts.events import ChunkProcessedPayload, RecipeSplitPayload
from circulion.errors import TransientError

# Attributes a compare-and-set may change; ``done``/``total``/``plan`` only change through
# record_chunk/record_plan.
_MUTABLE = ("state", "lease_owner", "lease_expires_at", "merge_started_at", "outcome", "redrives", "progress_at")


class DynamoLedgerStore(LedgerStore):
    """:class:`LedgerStore` on DynamoDB (or the emulator's)."""

    def __init__(self, dynamodb: Any, table: str, ttl_seconds: int) -> None:
        self._db = dynamodb
        self._table = table
        self._ttl = ttl_seconds
        self._to = TypeSerializer()
        self._from = TypeDeserializer()

    def _values(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: self._to.serialize(_number(v)) for k, v in values.items()}

    def _job_creation(self, tenant_id: str, trace_header: str | None, now: float) -> tuple[str, dict[str, Any]]:
        sets = [
            "tenant_id = if_not_exists(tenant_id, :tenant)",
            "#state = if_not_exists(#state, :collecting)",
            "first_seen_at = if_not_exists(first_seen_at, :now)",
            "expires_at = if_not_exists(expires_at, :expires)",
            "progress_at = :now",
        ]
        values: dict[str, Any] = {
            ":tenant": tenant_id,
            ":collecting": JobState.COLLECTING.value,
            ":now": now,
            ":expires": int(now) + self._ttl,
            ":one": 1,
        }
        if trace_header:
            sets.append("trace_header = if_not_exists(trace_header, :trace)")
            values[":trace"] = trace_header
        return ", ".join(sets), values

    def record_chunk(
        self, recipe_id: str, tenant_id: str, trace_header: str | None, result: ChunkProcessedPayload, now: float
    ) -> bool:
        sets, values = self._job_creation(tenant_id, trace_header, now)
        values[":total"] = result.total_chunks
        marker = {
            "pk": job_key(recipe_id),
            "sk": chunk_sk(result.chunk.index),
            "result": result.model_dump_json(),
            "expires_at": int(now) + self._ttl,
        }
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": self._values(marker),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": self._values({"pk": job_key(recipe_id), "sk": JOB_SK}),
                            "UpdateExpression": f"SET {sets} ADD done :one, version :one",
                            # The chunk count is checked here, not by a read before the write.
                            "ConditionExpression": "attribute_not_exists(#total) OR #total = :total",
                            "ExpressionAttributeNames": {"#state": "state", "#total": "total"},
                            "ExpressionAttributeValues": self._values(values),
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                ]
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") == "TransactionCanceledException":
                reasons = exc.response.get("CancellationReasons") or _reasons_from_message(str(error.get("Message")))
                if len(reasons) > 1 and reasons[1].get("Code") == "ConditionalCheckFailed":
                    raise ChunkCountConflict(recipe_id, self._recorded_total(recipe_id, reasons[1])) from exc
                if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                    return False
            raise TransientError(f"recording chunk {result.chunk.index} of {recipe_id}: {error}") from exc
        return True

    def _recorded_total(self, recipe_id: str, reason: dict[str, Any]) -> int | None:
        item = reason.get("Item")
        job = self._job(recipe_id, item) if item else self.get(recipe_id)
        return None if job is None else job.total

    def record_plan(
        self, recipe_id: str, tenant_id: str, trace_header: str | None, plan: RecipeSplitPayload, now: float
    ) -> Job:
        sets, values = self._job_creation(tenant_id, trace_header, now)
        values |= {":total": plan.total_chunks, ":plan": plan.model_dump_json()}
        try:
            r = self._db.update_item(
                TableName=self._table,
                Key=self._values({"pk": job_key(recipe_id), "sk": JOB_SK}),
                UpdateExpression=f"SET {sets}, #total = :total, #plan = :plan ADD version :one",
                # A recorded plan is never rewritten: a duplicate leaves the version alone so a
                # lease holder's commit is not disturbed, and the job comes back as it is.
                ConditionExpression="attribute_not_exists(#total)",
                ExpressionAttributeNames={"#state": "state", "#plan": "plan", "#total": "total"},
                ExpressionAttributeValues=self._values(values),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise TransientError(f"recording the plan of {recipe_id}: {exc}") from exc
            item = exc.response.get("Item")
            existing = self._job(recipe_id, item) if item else self.get(recipe_id)
            if existing is None or existing.total is None:
                raise TransientError(f"recording the plan of {recipe_id}: the job changed under us") from exc
            if existing.total != plan.total_chunks:
                raise PlanConflict(
                    f"{recipe_id}: plan of {plan.total_chunks} chunks, ledger has {existing.total}"
                ) from exc
            return existing
        return self._job(recipe_id, r["Attributes"])

    def get(self, recipe_id: str) -> Job | None:
        r = self._db.get_item(
            TableName=self._table,
            Key=self._values({"pk": job_key(recipe_id), "sk": JOB_SK}),
            ConsistentRead=True,
        )
        item = r.get("Item")
        return None if item is None else self._job(recipe_id, item)

    def chunks(self, recipe_id: str) -> list[ChunkProcessedPayload]:
        results: list[ChunkProcessedPayload] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=self._values({":pk": job_key(recipe_id), ":prefix": CHUNK_PREFIX}),
            ConsistentRead=True,
        ):
            for item in page.get("Items", []):
                results.append(ChunkProcessedPayload.model_validate_json(item["result"]["S"]))
        return sorted(results, key=lambda r: r.chunk.index)

    def replace(self, old: Job, new: Job, *, lease_owner: str | None = None) -> Job | None:
        sets: list[str] = []
        removes: list[str] = []
        names: dict[str, str] = {}
        values: dict[str, Any] = {":one": 1}
        for field in _MUTABLE:
            names[f"#{field}"] = field
            value = getattr(new, field)
            if value is None:
                removes.append(f"#{field}")
            else:
                sets.append(f"#{field} = :{field}")
                values[f":{field}"] = value.value if isinstance(value, JobState) else value
        if lease_owner is None:
            condition = "version = :version"
            values[":version"] = old.version
        else:
            condition = "lease_owner = :owner AND #state = :merging"
            values |= {":owner": lease_owner, ":merging": JobState.MERGING.value}
        expression = (
            "SET " + ", ".join(sets) + " ADD version :one" + (" REMOVE " + ", ".join(removes) if removes else "")
        )
        try:
            r = self._db.update_item(
                TableName=self._table,
                Key=self._values({"pk": job_key(old.recipe_id), "sk": JOB_SK}),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=self._values(values),
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise TransientError(f"updating the job of {old.recipe_id}: {exc}") from exc
        return self._job(old.recipe_id, r["Attributes"])

    def open_jobs(self) -> Iterator[Job]:
        # A scan: the ledger holds only live recipes (TTL removes old ones) and the sweeper
        # runs once a minute. A sparse GSI on open jobs is the fix if it ever grows large.
        paginator = self._db.get_paginator("scan")
        for page in paginator.paginate(
            TableName=self._table,
            FilterExpression="sk = :job AND #state IN (:collecting, :merging)",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=self._values(
                {":job": JOB_SK, ":collecting": JobState.COLLECTING.value, ":merging": JobState.MERGING.value}
            ),
        ):
            for item in page.get("Items", []):
                yield self._job(str(item["pk"]["S"]).removeprefix("recipe#"), item)

    def _job(self, recipe_id: str, item: dict[str, Any]) -> Job:
        a = {k: self._from.deserialize(v) for k, v in item.items()}
        plan = a.get("plan")
        return Job(
            recipe_id=recipe_id,
            tenant_id=str(a.get("tenant_id", "")),
            state=JobState(str(a.get("state", JobState.COLLECTING.value))),
            version=int(a.get("version", 0)),
            done=int(a.get("done", 0)),
            first_seen_at=float(a.get("first_seen_at", 0)),
            progress_at=float(a.get("progress_at", 0)),
            total=_int_or_none(a.get("total")),
            plan=RecipeSplitPayload.model_validate_json(str(plan)) if plan else None,
            trace_header=_str_or_none(a.get("trace_header")),
            lease_owner=_str_or_none(a.get("lease_owner")),
            lease_expires_at=_float_or_none(a.get("lease_expires_at")),
            merge_started_at=_float_or_none(a.get("merge_started_at")),
            outcome=_str_or_none(a.get("outcome")),
            redrives=int(a.get("redrives", 0)),
        )


def _number(value: Any) -> Any:
    # DynamoDB numbers must be Decimal; floats go through str to keep their exact digits.
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _reasons_from_message(message: str) -> list[dict[str, str]]:
    # Some endpoints put the reasons only in the message: "...reasons [ConditionalCheckFailed, None]".
    if "[" not in message:
        return []
    inside = message[message.index("[") + 1 : message.rindex("]")]
    return [{"Code": part.strip()} for part in inside.split(",")]


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
