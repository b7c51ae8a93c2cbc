"""Uploading through the client against the fake API and fake S3."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fake_api import TOKEN, FakeApi
from sample_files import KIB, write_file

from circulion_cli.client import CirculionClient
from circulion_cli.errors import PartUploadFailed
from circulion_cli.resume import ResumeStore
from circulion_cli.retry import RetryPolicy
from circulion_cli.upload import UploadProgress


def upload(client: CirculionClient, path: Path, store: ResumeStore | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    return client.upload_file(path, name="arm", resume=store, **kwargs)  # type: ignore[arg-type]


def test_small_file_goes_in_one_put(fake: FakeApi, client: CirculionClient, tmp_path: Path) -> None:
    path = write_file(tmp_path / "small.json", 3 * KIB)

    outcome = upload(client, path, content_type="application/json")

    recipe = fake.recipe(outcome.recipe_id)
    assert recipe.status == "VALIDATING"  # the fake checks size and sha256 of what arrived
    assert recipe.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert fake.part_puts_ok == {0: 1}
    assert fake.parts_calls == 0


def test_multipart_sends_every_part_once_in_parallel(fake: FakeApi, client: CirculionClient, tmp_path: Path) -> None:
    path = write_file(tmp_path / "big.bin", 10 * 4 * KIB + 123)  # 11 parts, the last short
    store = ResumeStore(tmp_path / "cache")
    events: list[UploadProgress] = []

    outcome = upload(client, path, store, workers=3, on_progress=events.append)

    assert fake.recipe(outcome.recipe_id).status == "VALIDATING"
    assert fake.part_puts_ok == {n: 1 for n in range(1, 12)}
    assert (outcome.parts_sent, outcome.parts_skipped, outcome.resumed) == (11, 0, False)
    uploading = [e for e in events if e.phase == "uploading"]
    assert uploading[-1].done == uploading[-1].total == path.stat().st_size
    assert [e.done for e in events if e.phase == "hashing"][-1] == path.stat().st_size
    assert list(store.directory.glob("*.json")) == []  # state removed once complete


def test_failed_parts_are_retried_with_backoff(
    fake: FakeApi, client: CirculionClient, sleeps: list[float], tmp_path: Path
) -> None:
    path = write_file(tmp_path / "big.bin", 5 * 4 * KIB)
    fake.fail_parts = {2: 2, 4: 1}
    fake.drop_parts = {5: 1}

    outcome = upload(client, path)

    assert fake.recipe(outcome.recipe_id).status == "VALIDATING"
    assert fake.part_put_attempts == 5 + 2 + 1 + 1
    assert len(sleeps) == 4
    assert all(0 <= s <= 20 for s in sleeps)


def test_expired_urls_are_refreshed(fake: FakeApi, client: CirculionClient, tmp_path: Path) -> None:
    path = write_file(tmp_path / "big.bin", 3 * 4 * KIB)
    fake.min_valid_generation = 2  # the first batch of URLs is already expired

    outcome = upload(client, path, workers=1)

    assert fake.recipe(outcome.recipe_id).status == "VALIDATING"
    assert fake.parts_calls == 2
    assert fake.part_puts_ok == {1: 1, 2: 1, 3: 1}


def test_a_part_failing_every_attempt_fails_the_upload_and_keeps_the_state(
    fake: FakeApi, client: CirculionClient, tmp_path: Path
) -> None:
    path = write_file(tmp_path / "big.bin", 3 * 4 * KIB)
    store = ResumeStore(tmp_path / "cache")
    fake.fail_parts = {2: 100}

    with pytest.raises(PartUploadFailed, match="part 2 failed after 4 attempts"):
        upload(client, path, store, workers=1)

    (state_file,) = store.directory.glob("*.json")
    assert '"1":' in state_file.read_text()
    assert fake.only_recipe().status == "AWAITING_UPLOAD"


def test_resume_sends_only_the_missing_parts(fake: FakeApi, client: CirculionClient, tmp_path: Path) -> None:
    path = write_file(tmp_path / "big.bin", 12 * 4 * KIB)
    store = ResumeStore(tmp_path / "cache")
    fake.refuse_after = 5  # storage starts refusing after five parts: the run dies

    with pytest.raises(PartUploadFailed):
        upload(client, path, store, workers=2)
    first_run = dict(fake.part_puts_ok)
    assert 5 <= len(first_run) < 12  # two workers: one more part may land as the run dies

    fake.refuse_after = None
    fake.part_puts_ok.clear()
    outcome = upload(client, path, store, workers=2)

    assert outcome.resumed
    assert (outcome.parts_sent, outcome.parts_skipped) == (12 - len(first_run), len(first_run))
    assert set(fake.part_puts_ok) == set(range(1, 13)) - set(first_run)
    assert all(count == 1 for count in fake.part_puts_ok.values())
    assert len(fake.recipes) == 1
    assert fake.only_recipe().status == "VALIDATING"  # the assembled object hashes right


def test_an_edited_file_starts_a_new_upload(fake: FakeApi, client: CirculionClient, tmp_path: Path) -> None:
    path = write_file(tmp_path / "big.bin", 3 * 4 * KIB)
    store = ResumeStore(tmp_path / "cache")
    fake.refuse_after = 1
    with pytest.raises(PartUploadFailed):
        upload(client, path, store, workers=1)
    fake.refuse_after = None
    write_file(path, 3 * 4 * KIB, seed=7)

    outcome = upload(client, path, store)

    assert not outcome.resumed
    assert len(fake.recipes) == 2
    assert fake.recipe(outcome.recipe_id).status == "VALIDATING"


def test_a_state_of_an_aborted_upload_is_dropped(fake: FakeApi, client: CirculionClient, tmp_path: Path) -> None:
    path = write_file(tmp_path / "big.bin", 3 * 4 * KIB)
    store = ResumeStore(tmp_path / "cache")
    fake.refuse_after = 1
    with pytest.raises(PartUploadFailed):
        upload(client, path, store, workers=1)
    client.abort(fake.only_recipe().recipe_id)
    fake.refuse_after = None

    outcome = upload(client, path, store)

    assert not outcome.resumed
    assert fake.recipe(outcome.recipe_id).status == "VALIDATING"


def test_parts_are_streamed_not_loaded(fake: FakeApi, tmp_path: Path) -> None:
    # Part size 4 KiB, block 1 MiB: one read per part. With a 64 KiB part the body must
    # still arrive whole although http.client reads it in blocks.
    big = FakeApi(part_size=64 * KIB, single_put_max=KIB).start()
    try:
        client = CirculionClient(big.url, TOKEN, retry=RetryPolicy(sleep=lambda _: None))
        path = write_file(tmp_path / "big.bin", 3 * 64 * KIB)
        outcome = upload(client, path)
        assert big.recipe(outcome.recipe_id).status == "VALIDATING"
    finally:
        big.stop()
