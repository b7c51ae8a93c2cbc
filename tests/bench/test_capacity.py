"""The capacity model on small profiles whose figures can be checked by hand, the design's
settings against the target, and docs/CAPACITY.md against what the model prints."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bench.capacity import __main__ as cli
from bench.capacity import inputs, items, model, render
from bench.capacity.inputs import Design, Function, Measured
from bench.capacity.traffic import LoadProfile, api_requests, concurrency, traffic
from circulion_local.runtime.config import function_settings, load_config
from circulion_local.runtime.functions import FunctionSpec, SqsTrigger

MiB = 1024 * 1024

MEASURED = Measured(
    chunk_size=8 * MiB,
    requests_per_small_recipe={"sns Publish": 6.0, "s3 GET": 1.0, "s3 HEAD": 1.0, "dynamodb GetItem": 10.0},
    cpu_s_per_small_recipe={
        "upload.api": 0.02,
        "upload.validate": 0.01,
        "upload.track_status": 0.06,
        "splitter.split": 0.01,
        "splitter.process_chunk": 0.01,
        "merger.coordinate": 0.02,
        "distributor.distribute": 0.04,
    },
    stream_chunk_cpu_s=0.5,
    stream_chunk_wall_s=0.25,
    asset_chunk_cpu_s=0.1,
    asset_chunk_wall_s=0.2,
    validate_cpu_s_per_gib=2.0,
    merge_wall_s_per_gib_asset=8.0,
    merge_wall_s_per_gib_stream=1.0,
)


def _design(**changes: object) -> Design:
    one_vcpu = 1769  # no CPU scaling: measured seconds are Lambda seconds
    names = ("upload.api_handler", "upload.validate", "upload.track_status", "splitter.split")
    functions = {n: Function(n, one_vcpu, 60, batch_size=10) for n in names}
    functions["splitter.process_chunk"] = Function(
        "splitter.process_chunk", one_vcpu, 120, batch_size=1, maximum_concurrency=100
    )
    functions["merger.coordinate"] = Function("merger.coordinate", one_vcpu, 600, batch_size=10)
    functions["distributor.distribute"] = Function(
        "distributor.distribute", one_vcpu, 60, reserved_concurrency=2, batch_size=100
    )
    base = Design(
        functions=functions,
        chunk_size=8 * MiB,
        direct_threshold=5 * MiB,
        read_piece_bytes=2 * MiB,
        max_upload_bytes=80 * MiB,
        part_size=8 * MiB,
        max_part_urls_per_request=100,
        validate_range_bytes=8 * MiB,
        recipes_index_projection="ALL",
        max_chunks=4_999,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# One document a second, no peak, 3,600 robots renewing hourly, 10 ms per AWS call.
DOCUMENTS = LoadProfile(
    recipes_per_day=86_400,
    document_share=1.0,
    stream_share=0.0,
    asset_share=0.0,
    peak_factor=1.0,
    robots=3_600,
    credential_lifetime_s=3_600,
    robot_poll_s=60.0,
)
# One 80 MiB stream a second (10 chunks of 8 MiB).
STREAMS = dataclasses.replace(
    DOCUMENTS, document_share=0.0, stream_share=1.0, stream_min_bytes=80 * MiB, stream_max_bytes=80 * MiB
)


def _row(rows: list[model.Row], starts: str) -> model.Row:
    return next(r for r in rows if r.resource.startswith(starts))


def test_a_document_a_second_is_one_chunk_six_events_and_six_publishes() -> None:
    t = traffic(DOCUMENTS, _design())
    assert (t.recipes, t.chunks, t.lifecycle_events) == (1.0, 1.0, 6.0)
    rows = model.rows(DOCUMENTS, MEASURED, _design())
    assert _row(rows, "SNS: Publish").demand == 6.0
    # create, complete, download + 2 status reads per recipe; 3,600 robots / 3,600 s
    assert api_requests(DOCUMENTS, t, _design()) == 6.0
    assert _row(rows, "CloudFront: requests/s").demand == 60.0  # 3,600 robots every 60 s
    assert _row(rows, "CloudFront: invalidation paths").demand == 60.0  # one path a second, 60 s each


def test_concurrency_is_arrivals_times_seconds_each() -> None:
    t = traffic(DOCUMENTS, _design())
    c = concurrency(DOCUMENTS, t, MEASURED, _design())
    # 6 events/s x (0.06 / 6 CPU-s + 2 calls x 10 ms) = 6 x 0.03
    assert c["upload.track_status"] == pytest.approx(0.18)
    # 1 recipe/s x (0.04 CPU-s + 6 calls x 10 ms)
    assert c["distributor.distribute"] == pytest.approx(0.1)
    # half the CPU of a 256 MB function's share: 1769 / 256 = 6.9x slower
    slow = _design(functions=_design().functions | {"upload.track_status": Function("upload.track_status", 256, 30)})
    assert concurrency(DOCUMENTS, t, MEASURED, slow)["upload.track_status"] == pytest.approx(
        6 * (0.01 * 1769 / 256 + 0.02)
    )


def test_reserved_concurrency_caps_the_distributor_and_says_where_it_binds() -> None:
    row = _row(model.rows(DOCUMENTS, MEASURED, _design()), "Lambda: distributor.distribute throughput")
    assert row.limit.value == pytest.approx(20.0)  # 2 instances / 0.1 s per record
    assert row.headroom == pytest.approx(20.0)
    assert render.binds_at(row, DOCUMENTS) == "at 1,728,000 recipes/day"


def test_streams_read_in_pieces_and_validated_in_ranges() -> None:
    t = traffic(STREAMS, _design())
    assert t.chunks == 10.0
    rows = model.rows(STREAMS, MEASURED, _design())
    # 80 MiB/s: 40 pieces of 2 MiB (chunk workers) + 10 ranges of 8 MiB (validation)
    assert _row(rows, "S3: circulion-uploads incoming/ GET/s").demand == pytest.approx(50.0)
    assert _row(rows, "SNS: Publish").demand == 6.0 + 9.0  # a document's six, plus nine more chunks
    # each chunk: max(0.25 s wall, 0.5 CPU-s) + 2 calls x 10 ms, ten a second
    assert concurrency(STREAMS, t, MEASURED, _design())["splitter.process_chunk"] == pytest.approx(5.2)


def test_measured_requests_per_chunk_replace_the_codes_count() -> None:
    stream = {"chunks": 11, "emulator_requests": {"sns Publish": 26.0, "s3 PUT": 4.0, "s3 GET": 41.0}}
    per_chunk = inputs.per_extra_chunk(stream, {"sns Publish": 6.0, "s3 PUT": 4.0, "s3 GET": 1.0})
    assert per_chunk == {"sns Publish": 2.0, "s3 GET": 4.0}  # (26 - 6) / 10 and (41 - 1) / 10; PUTs did not grow
    measured = dataclasses.replace(MEASURED, requests_per_extra_chunk=per_chunk)
    assert _row(model.rows(STREAMS, measured, _design()), "SNS: Publish").demand == 6.0 + 9 * 2.0
    assert inputs.per_extra_chunk({"chunks": 11}, {}) is None  # results from before the tally was kept


def test_archive_parts_count_two_per_segment_and_the_splitter_bounds_the_chunks() -> None:
    row = _row(model.rows(STREAMS, MEASURED, _design()), "S3: parts of the largest archive")
    assert row.demand == 2 * 10 + 2  # 80 MiB: ten 8 MiB segments, two parts each at worst, head and tail
    # Ten chunks at most: an 80 MiB asset gets 8 MiB chunks (the bound is met), a 96 MiB one 10 MiB chunks.
    bounded = _design(max_chunks=10, max_upload_bytes=96 * MiB)
    assert _row(model.rows(STREAMS, MEASURED, bounded), "S3: parts of the largest archive").demand == 2 * 10 + 2


def test_dynamodb_sizes_follow_the_item_size_rules() -> None:
    assert items.item_bytes({"pk": "abc"}) == 5
    assert items.item_bytes({"n": 12345}) == 1 + 3 + 1  # three bytes for five digits, plus one
    assert items.item_bytes({"s": frozenset({1, 22, 333})}) == 1 + 2 + 2 + 3
    assert items.write_units(1025) == 2
    assert items.write_units(1024, transactional=True) == 2
    small, large = (items.item_bytes(items.ledger_job(n, 8 * MiB)) for n in (10, 6_400))
    assert large - small < 32  # only the counters' digits grow: the job does not hold the chunks
    seen = items.item_bytes(items.recipe_record(range(1_000))) - items.item_bytes(items.recipe_record(range(900)))
    # The status record's chunk set: 900-999 cost three bytes each, two where DynamoDB trims a trailing zero.
    assert seen == 90 * 3 + 10 * 2


def test_the_deployed_settings_cover_the_target_load() -> None:
    """The fixes in services/*/.chalice and splitter/app.py: at the target, neither the chunk
    workers' cap nor the distributor's reserved concurrency is short of the peak."""
    rows = model.rows(LoadProfile(), inputs.measured(), inputs.design())
    assert _row(rows, "Lambda: splitter.process_chunk vs its MaximumConcurrency").headroom >= 1
    assert _row(rows, "Lambda: distributor.distribute throughput").headroom >= 1


def test_the_local_stack_still_runs_two_chunk_workers() -> None:
    splitter = inputs.REPO / "services" / "splitter"
    declared = inputs.design().functions["splitter.process_chunk"].maximum_concurrency
    settings = function_settings(load_config(splitter), "process_chunk")
    spec = FunctionSpec(
        "splitter",
        splitter,
        "circulion-splitter",
        "process_chunk",
        "app.process_chunk",
        SqsTrigger(queue="circulion-splitter-work", queue_arn=None, batch_size=1, maximum_concurrency=declared),
        settings,
    )
    assert declared == 1000
    assert spec.concurrency() == 2


def test_the_document_tables_are_what_the_model_prints() -> None:
    assert cli.main(["--check"]) == 0, "docs/CAPACITY.md drifted: run python -m bench.capacity --markdown"


def test_check_fails_on_a_drifted_document(tmp_path: Path) -> None:
    doc = tmp_path / "CAPACITY.md"
    doc.write_text(f"# Capacity\n\n{render.BEGIN}\nold numbers\n{render.END}\n")
    assert cli.main(["--check", "--doc", str(doc)]) == 1
    assert cli.main(["--markdown", "--doc", str(doc)]) == 0
    assert cli.main(["--check", "--doc", str(doc)]) == 0
    assert doc.read_text().startswith("# Capacity\n\n")
