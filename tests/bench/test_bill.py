"""The bill per recipe: pricing of a small, hand-checked usage, and the meter over log files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import prices
from bench.bill import Usage, bill, function_memory_mb, markdown, per_unit, scenario_unit, unpriced
from bench.stack import TALLY_FILE, RunningStack
from bench.usage import UsageMeter
from circulion_local.ports import LocalPorts


def test_each_line_item_is_priced_from_its_own_counts() -> None:
    usage = Usage(
        recipes=1000,
        requests={
            "s3 PUT": 2000,  # tier 1: 2000 * 0.005 / 1000 = 0.01
            "unsigned PUT?X-Amz-Algorithm": 1000,  # a presigned PUT: tier 1, 0.005
            "s3 GET": 10_000,  # tier 2: 0.004
            "s3 DELETE": 5000,  # free
            "sqs ReceiveMessage": 1_000_000,  # 0.40
            "sns Publish": 2_000_000,  # 1.00
            "dynamodb GetItem": 8_000_000,  # 8 M read units: 1.00
            "dynamodb TransactWriteItems": 1_000_000,  # 4 M write units: 2.50
            "xray POST": 400,  # priced per trace, not per request
        },
        lambda_ms={"splitter.process_chunk": 2_000_000.0},  # 2000 s at 1 GiB = 2000 GB-s
        invocations={"splitter.process_chunk": 999_000},
        log_bytes=2**30,  # 0.50
        api_requests=1000,
        api_ms=0.0,
    )
    lines = bill(usage, {"splitter.process_chunk": 1024})

    assert lines["s3"] == pytest.approx(0.01 + 0.005 + 0.004)
    assert lines["sqs"] == pytest.approx(0.40)
    assert lines["sns"] == pytest.approx(1.00)
    assert lines["dynamodb"] == pytest.approx(1.00 + 2.50)
    assert lines["lambda"] == pytest.approx(2000 * 0.0000166667 + 0.20)  # 1 M invocations incl. the API's
    assert lines["api gateway"] == pytest.approx(1000 * 3.50 / 1_000_000)
    assert lines["cloudfront"] == pytest.approx(1000 * 0.005)
    assert lines["xray"] == pytest.approx(1000 * 5.00 / 1_000_000)
    assert lines["logs"] == pytest.approx(0.50)
    assert unpriced(usage) == []
    assert unpriced(Usage(1, {"kms Decrypt": 3})) == ["kms Decrypt"]


def test_scenarios_are_quoted_per_thousand_recipes_or_per_gib() -> None:
    assert scenario_unit("small", Usage(recipes=208)) == ("per 1,000 recipes", 0.208)
    assert scenario_unit("stream 1024 MiB", Usage(recipes=1)) == ("per GiB of stream", 1.0)
    assert per_unit({"s3": 0.5}, 0.25) == {"s3": 2.0}
    section = "\n".join(markdown({"asset 512 MiB": Usage(1, {"s3 PUT": 1000}).as_json()}, {}))
    assert "| asset 512 MiB | per GiB of asset |" in section
    assert prices.PRICED_ON in section


def test_memory_is_what_the_prod_stage_deploys() -> None:
    memory = function_memory_mb()
    assert memory["splitter.process_chunk"] == 1024
    assert memory["merger.sweep"] == 256
    assert memory["upload.api"] == prices.LAMBDA_DEFAULT_MEMORY_MB


def test_the_meter_counts_only_what_a_scenario_added(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bench.usage.time.sleep", lambda _s: None)
    logs = tmp_path / "logs" / "functions"
    logs.mkdir(parents=True)
    chunk_log = logs / "splitter.process_chunk.log"
    chunk_log.write_bytes(b"REPORT RequestId: old\tDuration: 999.00 ms\n")
    (tmp_path / TALLY_FILE).write_text(json.dumps({"s3 PUT": 5}))
    meter = UsageMeter(RunningStack(LocalPorts(0), tmp_path, 0)).start()

    appended = b'{"level": "INFO"}\nREPORT RequestId: a\tDuration: 10.20 ms\nREPORT RequestId: b\tDuration: 4.00 ms\n'
    with chunk_log.open("ab") as log:
        log.write(appended)
    (tmp_path / TALLY_FILE).write_text(json.dumps({"s3 PUT": 7, "sqs SendMessage": 1}))
    usage = meter.stop(recipes=2)

    assert usage.requests == {"s3 PUT": 2, "sqs SendMessage": 1}
    assert usage.lambda_ms == {"splitter.process_chunk": 15.0}  # 11 + 4: each rounded up to the ms
    assert usage.invocations == {"splitter.process_chunk": 2}
    assert usage.log_bytes == len(appended)
