"""Issue 13, items 1, 2 and 8: compression bombs, dripping servers, Rich markup in site text.
Every site here is tests/fetch_site.py's MockSite (an httpx.MockTransport: no sockets)."""

from __future__ import annotations

import gzip
import resource
import time
import zlib

import httpx
import pytest

from ofsted_mine.fetch import FetchFailure, Limits
from ofsted_mine.fetch._decode import content_codings
from ofsted_mine.fetch._http import Http

from .fetch_site import BOMB_INNER_BYTES, MockSite, gzip_bomb
from .fetch_support import EXPECTED_CROYDON, Ingest, assert_clean, cli_with, croydon, names, pub, run


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_two_layer_gzip_bomb_stops_at_the_cap_without_inflating(tmp_path):
    gzip_bomb()  # made before measuring
    site = MockSite([croydon(pub("666", "Monitoring visit, pdf - 9 Sep 2024", fault="bomb"))])
    lib = tmp_path / "lib"
    before = _peak_mb()
    res, _ = run(lib, site, max_bytes=1_000_000)
    grew = _peak_mb() - before
    assert [i.file_id for i in res.failed] == ["666"]
    assert "too large" in res.failed[0].reason and "decompressed" in res.failed[0].reason
    assert site.pub("666").served == 1
    assert names(res.new) == EXPECTED_CROYDON
    assert grew < BOMB_INNER_BYTES / 2**20 / 4, f"peak RSS grew by {grew:.0f} MB"
    assert_clean(lib)


def test_bomb_as_a_provider_page_stops_at_the_page_cap(tmp_path):
    gzip_bomb()
    site = MockSite([croydon(page_fault="bomb")])
    before = _peak_mb()
    res, _ = run(tmp_path / "lib", site)
    assert _peak_mb() - before < BOMB_INNER_BYTES / 2**20 / 4
    assert len(res.failed) == 1 and "too large" in res.failed[0].reason
    assert res.failed[0].stage == "provider"


def _streamed(body: bytes, enc: str) -> httpx.Response:
    return httpx.Response(200, headers={"Content-Encoding": enc}, stream=httpx.ByteStream(body))


@pytest.mark.parametrize(
    "enc,encode",
    [
        ("gzip", gzip.compress),
        ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, no zlib wrapper
        ("identity", lambda b: b),
    ],
)
def test_layered_encodings_are_decoded_here(enc, encode):
    inner = b"%PDF-1.4\n" + b"x" * 300_000 + b"\n%%EOF\n"
    body = encode(inner)
    http = Http(None, set(), Limits(max_bytes=10**6))
    try:
        http.start_deadline()
        assert b"".join(http.body(_streamed(body, enc), 10**6, "file")) == inner
        with pytest.raises(FetchFailure, match="too large"):
            b"".join(http.body(_streamed(body, enc), 1000, "file"))
    finally:
        http.close()


def test_unknown_or_too_many_encodings_are_refused():
    with pytest.raises(FetchFailure, match="unsupported Content-Encoding"):
        content_codings(httpx.Response(200, headers={"Content-Encoding": "br"}))
    with pytest.raises(FetchFailure, match="4 layers"):
        content_codings(httpx.Response(200, headers={"Content-Encoding": "gzip, gzip, gzip, gzip"}))
    http = Http(None, set(), Limits())
    try:
        with pytest.raises(FetchFailure, match="bad gzip data"):
            b"".join(http.body(_streamed(b"not gzip at all", "gzip"), 10**6, "file"))
    finally:
        http.close()


def test_dripping_server_hits_the_request_deadline_and_leaves_no_part_file(tmp_path):
    site = MockSite([croydon(pub("777", "Monitoring visit, pdf - 9 Sep 2024", fault="drip"))], slow_seconds=6)
    lib = tmp_path / "lib"
    t = time.monotonic()
    res, _ = run(lib, site, timeout=0.5, retries=2, request_deadline=1.0)
    took = time.monotonic() - t
    assert [i.file_id for i in res.failed] == ["777"]
    assert "deadline" in res.failed[0].reason
    assert site.pub("777").served == 1  # a missed deadline is not retried
    assert took < 5, took
    assert names(res.new) == EXPECTED_CROYDON
    assert not list(lib.rglob("*.part"))
    assert_clean(lib)


def test_run_deadline_stops_every_remaining_request(tmp_path):
    slow = [pub(f"80{i}", f"Monitoring visit, pdf - {i + 1} Sep 2024", fault="drip") for i in range(4)]
    site = MockSite([croydon(*slow)], slow_seconds=6)
    lib = tmp_path / "lib"
    t = time.monotonic()
    res, _ = run(lib, site, timeout=0.5, retries=0, request_deadline=None, run_deadline=1.5)
    assert time.monotonic() - t < 6
    assert res.failed and all("deadline" in i.reason for i in res.failed)
    assert any("run's deadline" in i.reason for i in res.failed)
    assert not list(lib.rglob("*.part"))


def test_rich_markup_in_site_text_is_printed_not_interpreted(tmp_path, monkeypatch):
    site = MockSite(
        [
            croydon(
                pub("901", "Annual [/x] meeting [bold red]letter[/], pdf - 1 May 2021"),
                pub("902", "Monitoring visit [/], pdf - 9 Sep 2024", fault="404"),
            )
        ]
    )
    invoke = cli_with(monkeypatch, site, Ingest(), retries=0)
    r = invoke(["--la", "croydon", "--library", str(tmp_path / "lib")], env={"COLUMNS": "400"})
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert r.exit_code == 1
    flat = " ".join(r.output.split())
    assert "[/x]" in flat and "[bold red]" in flat.replace("\u2026", "")
