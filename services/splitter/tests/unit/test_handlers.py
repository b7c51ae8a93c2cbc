"""Handlers against in-memory fakes: fan-out once, chunk results, reports."""

from __future__ import annotations

import json
import zlib

import pytest

from chalicelib import handlers
from chalicelib.plan_store import FanOutInProgress
from chalicelib.planning import ChunkPlan, plan_chunks
from chalicelib.settings import MiB
from circulion.batch import Consumer, for_each_record
from circulion.contracts.events import ChunkProcessed, ProcessChunk, RecipeSplit, RecipeValidated
from circulion.recipes import examples
from circulion.testing import sqs_event
from tests.fakes import World

SPLIT = Consumer(service="splitter", function="split", stage="split")


def big_world() -> tuple[World, RecipeValidated]:
    world = World()
    return world, world.upload("r-big", b"a" * (20 * MiB + 1), "asset")


def test_split_sends_every_task_then_the_split_event() -> None:
    world, message = big_world()
    assert handlers.split(message, world.deps()) == []
    tasks = world.tasks.tasks
    assert [t.payload.chunk.index for t in tasks if isinstance(t, ProcessChunk)] == [0, 1, 2]
    (split,) = world.bus.events
    assert isinstance(split, RecipeSplit)
    assert split.payload.total_chunks == 3 and split.payload.plan is not None
    stored = json.loads(world.plans.objects[split.payload.plan.key])
    assert stored["state"] == "enqueued" and len(stored["spans"]) == 3


def test_a_second_delivery_sends_nothing() -> None:
    world, message = big_world()
    handlers.split(message, world.deps())
    handlers.split(message, world.deps())
    assert len(world.tasks.tasks) == 3 and len(world.bus.events) == 1


def test_a_fresh_unfinished_claim_is_retried_and_an_expired_one_taken_over() -> None:
    world, message = big_world()
    plan = world.plans.claim("r-big", _plan_of(world, message), world.clock())  # a crashed first attempt
    assert plan.fan_out
    with pytest.raises(FanOutInProgress):
        handlers.split(message, world.deps())
    assert world.tasks.tasks == []
    world.clock.now += world.plans._lease + 1
    handlers.split(message, world.deps())
    assert len(world.tasks.tasks) == 3


def test_through_the_batch_processor_a_fresh_claim_is_a_retry_not_a_failure() -> None:
    world, message = big_world()
    world.plans.claim("r-big", _plan_of(world, message), world.clock())
    response = for_each_record(sqs_event([message]), RecipeValidated, handlers.split, world.deps(), SPLIT)
    assert len(response["batchItemFailures"]) == 1
    assert world.bus.of_type("recipe.failed") == []


def _plan_of(world: World, message: RecipeValidated) -> ChunkPlan:
    s = world.settings
    return plan_chunks(
        message.payload.recipe.size_bytes,
        message.payload.kind,
        chunk_size=s.chunk_size_bytes,
        direct_threshold=s.direct_threshold_bytes,
        max_document_bytes=s.max_document_bytes,
    )


def test_process_chunk_writes_its_segment_and_reports() -> None:
    world = World()
    data = b"".join(examples.stream_lines(50))
    message = world.upload("r-s", data, "stream")
    handlers.split(message, world.deps())
    (task,) = world.tasks.tasks
    assert isinstance(task, ProcessChunk)
    (event,) = handlers.process_chunk(task, world.deps())
    assert isinstance(event, ChunkProcessed)
    p = event.payload
    assert p.record_count == 51 and p.issue_count == 0 and p.newline_count == 51
    assert p.step_ids is not None and (p.step_ids.first, p.step_ids.last, p.step_ids.first_line) == (1, 50, 2)
    segment = world.objects.get_bytes(p.segment.bucket, p.segment.key)
    assert p.segment.key == "segments/r-s/000000.deflate" and len(segment) == p.segment_size
    assert zlib.decompress(segment, -15) == data
    assert p.crc32 == zlib.crc32(data)
    # a rerun overwrites the same key
    handlers.process_chunk(task, world.deps())
    assert list(world.objects.list_keys("circulion-work", "segments/")) == ["segments/r-s/000000.deflate"]


def test_issues_beyond_the_message_go_to_a_report() -> None:
    world = World()
    data = examples.line(examples.HEADER) + b"{oops}\n" * 80
    message = world.upload("r-bad", data, "stream")
    handlers.split(message, world.deps())
    (task,) = world.tasks.tasks
    assert isinstance(task, ProcessChunk)
    (event,) = handlers.process_chunk(task, world.deps())
    assert isinstance(event, ChunkProcessed)
    p = event.payload
    assert p.issue_count == 80 and len(p.issues) == 50 and p.issues_report is not None
    report = json.loads(world.objects.get_bytes("circulion-work", p.issues_report.key))
    assert report["issue_count"] == 80 and [i["line"] for i in report["issues"]] == list(range(2, 82))
    assert len(event.to_json()) < 256 * 1024
