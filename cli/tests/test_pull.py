"""``circulion pull`` without AWS: an in-memory edge behind the transport port.

Atomic replacement (FILE.prev kept), verification failures leaving FILE untouched,
conditional polls, credential renewal before expiry, and the ``--watch`` output.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from circulion_cli.commands import Io
from circulion_cli.errors import ChecksumMismatch, NotFound
from circulion_cli.fleet_commands import render_check, watch
from circulion_cli.fleet_models import LatestVersion
from circulion_cli.pull import EdgeRefused, Puller, install
from circulion_cli.transport import HttpResponse, Readable, Sink

EDGE = "http://edge.test"
NAME = "cell-a"
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeEdge:
    """The CDN as a robot sees it: a signed pointer and the archives it names."""

    archives: dict[str, bytes] = field(default_factory=dict)
    pointer: dict[str, object] | None = None
    valid_signatures: set[str] = field(default_factory=set)
    corrupt_next_download: bool = False
    failing_polls: int = 0
    refuse_all: bool = False
    polls: list[dict[str, str]] = field(default_factory=list)

    def publish(self, version: str, data: bytes) -> None:
        path = f"/artifacts/acme/{NAME}/{version}/r-{version}.zip"
        self.archives[path] = data
        self.pointer = {
            "name": NAME,
            "version": version,
            "recipe_id": f"r-{version}",
            "key": path.lstrip("/"),
            "path": path,
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "published_at": T0.isoformat(),
            "generation": 0,
        }

    def _allowed(self, url: str) -> bool:
        signature = parse_qs(urlsplit(url).query).get("Signature", [""])[0]
        return not self.refuse_all and signature in self.valid_signatures

    def request(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes | Readable | None = None
    ) -> HttpResponse:
        self.polls.append(dict(headers or {}))
        if self.failing_polls:
            self.failing_polls -= 1
            return HttpResponse(502, b"<Error><Code>OriginError</Code></Error>")
        if not self._allowed(url):
            return HttpResponse(403, b"<Error/>")
        if self.pointer is None:
            return HttpResponse(404, b"<Error/>", {"X-Cache": "Miss from cloudfront"})
        document = json.dumps(self.pointer).encode()
        etag = '"' + hashlib.md5(document).hexdigest() + '"'
        if (headers or {}).get("If-None-Match") == etag:
            return HttpResponse(304, b"", {"ETag": etag, "X-Cache": "Hit from cloudfront"})
        return HttpResponse(200, document, {"ETag": etag, "X-Cache": "Miss from cloudfront"})

    def stream(self, url: str, sink: Sink, *, block_size: int = 1 << 20) -> HttpResponse:
        if not self._allowed(url):
            return HttpResponse(403, b"<Error/>")
        data = self.archives[urlsplit(url).path]
        if self.corrupt_next_download:
            self.corrupt_next_download = False
            data = data[:-1] + b"!"
        sink.write(data)
        return HttpResponse(200, b"")


@dataclass
class FakeApi:
    edge: FakeEdge
    clock: list[datetime]
    lifetime: timedelta = timedelta(hours=12)
    calls: int = 0

    def latest(self, name: str) -> LatestVersion:
        self.calls += 1
        if self.edge.pointer is None:
            raise NotFound("nothing live", status=404, code="no_live_version")
        signature = f"sig{self.calls}"
        self.edge.valid_signatures.add(signature)
        query = f"Policy=p&Signature={signature}&Key-Pair-Id=K"
        pointer = self.edge.pointer
        return LatestVersion.model_validate(
            {
                **pointer,
                "url": f"{EDGE}{pointer['path']}?{query}",
                "edge": {
                    "pointer_url": f"{EDGE}/artifacts/acme/{name}/latest.json?{query}",
                    "expires_at": (self.clock[0] + self.lifetime).isoformat(),
                    "query": query,
                },
            }
        )


@pytest.fixture
def edge() -> FakeEdge:
    edge = FakeEdge()
    edge.publish("1.0.0", b"version one")
    return edge


@pytest.fixture
def clock() -> list[datetime]:
    return [T0]


def puller_for(edge: FakeEdge, clock: list[datetime], dest: Path, **api: object) -> tuple[Puller, FakeApi]:
    fake_api = FakeApi(edge, clock, **api)  # type: ignore[arg-type]
    return Puller(fake_api, NAME, dest, edge, clock=lambda: clock[0]), fake_api


def test_first_pull_installs_the_live_version(edge: FakeEdge, clock: list[datetime], tmp_path: Path) -> None:
    dest = tmp_path / "cell-a.zip"
    puller, api = puller_for(edge, clock, dest)
    check = puller.check()
    assert check.replaced and check.pointer is not None and check.pointer.version == "1.0.0"
    assert dest.read_bytes() == b"version one"
    assert not (tmp_path / "cell-a.zip.prev").exists()
    assert api.calls == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cell-a.zip"]  # no temp file left


def test_unchanged_polls_are_conditional_and_cost_no_api_call(
    edge: FakeEdge, clock: list[datetime], tmp_path: Path
) -> None:
    puller, api = puller_for(edge, clock, tmp_path / "f.zip")
    puller.check()
    again = puller.check()
    assert (again.status, again.replaced, again.x_cache) == (304, False, "Hit from cloudfront")
    assert "If-None-Match" in edge.polls[-1]
    assert api.calls == 1


def test_a_new_version_replaces_the_file_and_keeps_the_previous(
    edge: FakeEdge, clock: list[datetime], tmp_path: Path
) -> None:
    dest = tmp_path / "f.zip"
    puller, _ = puller_for(edge, clock, dest)
    puller.check()
    edge.publish("1.1.0", b"version one point one")
    check = puller.check()
    assert check.replaced and check.previous is not None and check.previous.version == "1.0.0"
    assert check.previous_sha256 == hashlib.sha256(b"version one").hexdigest()
    assert dest.read_bytes() == b"version one point one"
    assert (tmp_path / "f.zip.prev").read_bytes() == b"version one"
    line = render_check(check, NAME, dest)
    assert "1.1.0" in line and "verified" in line and "f.zip.prev" in line


def test_a_file_already_at_the_live_version_is_not_downloaded(
    edge: FakeEdge, clock: list[datetime], tmp_path: Path
) -> None:
    dest = tmp_path / "f.zip"
    dest.write_bytes(b"version one")
    puller, _ = puller_for(edge, clock, dest)
    edge.archives.clear()  # a download would fail with KeyError
    check = puller.check()
    assert (check.status, check.replaced) == (200, False)


def test_a_download_that_does_not_verify_leaves_the_old_file(
    edge: FakeEdge, clock: list[datetime], tmp_path: Path
) -> None:
    dest = tmp_path / "f.zip"
    puller, _ = puller_for(edge, clock, dest)
    puller.check()
    edge.publish("1.1.0", b"version one point one")
    edge.corrupt_next_download = True
    with pytest.raises(ChecksumMismatch, match="left as it was"):
        puller.check()
    assert dest.read_bytes() == b"version one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.zip"]
    assert puller.check().replaced  # the next poll tries again and succeeds
    assert dest.read_bytes() == b"version one point one"


def test_the_credential_is_renewed_before_it_expires(edge: FakeEdge, clock: list[datetime], tmp_path: Path) -> None:
    puller, api = puller_for(edge, clock, tmp_path / "f.zip", lifetime=timedelta(minutes=60))
    puller.check()
    clock[0] = T0 + timedelta(minutes=54)  # 6 min left: beyond the 5 min margin
    puller.check()
    assert api.calls == 1
    clock[0] = T0 + timedelta(minutes=55, seconds=1)
    puller.check()
    assert api.calls == 2
    assert "Signature=sig2" in edge_last_url(puller)


def edge_last_url(puller: Puller) -> str:
    credential = puller._credential
    assert credential is not None
    return credential.pointer_url


def test_a_refused_credential_is_renewed_once_then_reported(
    edge: FakeEdge, clock: list[datetime], tmp_path: Path
) -> None:
    puller, api = puller_for(edge, clock, tmp_path / "f.zip")
    puller.check()
    edge.valid_signatures.clear()  # the key was rotated: the old credential is refused
    edge.valid_signatures.add("sig2")
    assert puller.check().status == 304
    assert api.calls == 2
    edge.refuse_all = True  # the edge no longer trusts the API's key at all
    with pytest.raises(EdgeRefused):
        puller.check()
    assert api.calls == 3


def test_no_live_version_keeps_the_file(edge: FakeEdge, clock: list[datetime], tmp_path: Path) -> None:
    dest = tmp_path / "f.zip"
    puller, _ = puller_for(edge, clock, dest)
    puller.check()
    edge.pointer = None  # every version withdrawn: the pointer is deleted
    check = puller.check()
    assert (check.status, check.pointer) == (404, None)
    assert dest.read_bytes() == b"version one"
    assert "no live version" in render_check(check, NAME, dest)


def test_install_keeps_the_destination_present_and_the_previous_beside_it(tmp_path: Path) -> None:
    dest, new = tmp_path / "r.zip", tmp_path / ".r.zip.tmp"
    new.write_bytes(b"one")
    new.chmod(0o600)  # as tempfile makes it
    install(new, dest)
    assert dest.read_bytes() == b"one" and not (tmp_path / "r.zip.prev").exists()
    assert dest.stat().st_mode & 0o777 == 0o644
    dest.chmod(0o640)  # the operator's choice survives updates
    new.write_bytes(b"two")
    install(new, dest)
    assert dest.stat().st_mode & 0o777 == 0o640
    assert (dest.read_bytes(), (tmp_path / "r.zip.prev").read_bytes()) == (b"two", b"one")
    assert not new.exists()


def test_watch_prints_one_line_per_change_and_stops_cleanly_on_ctrl_c(
    edge: FakeEdge, clock: list[datetime], tmp_path: Path
) -> None:
    puller, _ = puller_for(edge, clock, tmp_path / "f.zip")
    script = iter([lambda: None, lambda: edge.publish("1.1.0", b"v1.1"), lambda: None, _interrupt])

    def sleep(seconds: float) -> None:
        next(script)()

    out = io.StringIO()
    code = watch(puller, Io(out, io.StringIO()), interval_s=1.0, as_json=True, sleep=sleep)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert code == 0
    assert [(line["version"], line["replaced"]) for line in lines] == [("1.0.0", True), ("1.1.0", True)]
    assert lines[1]["previous_version"] == "1.0.0"
    assert lines[1]["edge_cache"] == "Miss from cloudfront"


def test_watch_polls_through_an_edge_outage(edge: FakeEdge, clock: list[datetime], tmp_path: Path) -> None:
    puller, _ = puller_for(edge, clock, tmp_path / "f.zip")
    script = iter([lambda: setattr(edge, "failing_polls", 2), lambda: None, lambda: None, _interrupt])
    out, err = io.StringIO(), io.StringIO()
    code = watch(puller, Io(out, err), interval_s=1.0, as_json=True, sleep=lambda s: next(script)())
    assert code == 0
    assert err.getvalue().count("edge answered HTTP 502") == 2
    assert [json.loads(line)["version"] for line in out.getvalue().splitlines()] == ["1.0.0"]


def _interrupt() -> None:
    raise KeyboardInterrupt
