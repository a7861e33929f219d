"""ofsted_mine.fetch against a fake Ofsted site (tests/fetch_site.py; never the real internet):
an httpx.MockTransport for every case, and one end-to-end run over real HTTP on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import inspect
import json
import re
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from ofsted_mine import fetch as F
from ofsted_mine.fetch import (
    MANIFEST_NAME,
    FetchError,
    Limits,
    Site,
    _site,
    classify_kind,
    fetch,
    parse_kinds,
    parse_listing_page,
    parse_provider_page,
    parse_publication_text,
    safe_filename,
)
from ofsted_mine.fetch._http import Http, resolve_bases

from .fetch_site import FakeCouncil, FakePub, LoopbackSite, MockSite, letter_pdf

CROYDON = ("80492", "Croydon")
BARNSLEY = ("80426", "Barnsley")
BLACKPOOL = ("80431", "Blackpool")


@functools.cache
def pdf(council: str, kind_title: str, when: str, fid: str) -> bytes:
    return letter_pdf(council, kind_title, when, fid)


def pub(fid: str, text: str, council: str = "Croydon", **kw) -> FakePub:
    kind_title = text.split(",")[0]
    when = text.rsplit("-", 1)[-1].strip().split(" ", 1)[-1]
    return FakePub(file_id=fid, text=text, body=pdf(council, kind_title, when, fid), **kw)


def croydon(*extra: FakePub, **kw) -> FakeCouncil:
    pubs = [
        pub("50140187", "Children\u2019s services inspection, pdf - 16 March 2020"),
        pub("50230001", "Monitoring visit, pdf - 3 May 2023"),
        pub("50170002", "Focused visit, pdf - 21 July 2021"),
        *extra,
    ]
    return FakeCouncil(*CROYDON, pubs=pubs, **kw)


EXPECTED_CROYDON = {
    "croydon_inspection_2020-03-16_50140187.pdf",
    "croydon_monitoring_visit_2023-05-03_50230001.pdf",
    "croydon_focused_visit_2021-07-21_50170002.pdf",
}


class Ingest:
    """Stands in for ofsted_mine.api.ingest; records calls."""

    def __init__(self, fail: tuple[str, ...] = (), raise_exc: BaseException | None = None):
        self.calls: list[list[Path]] = []
        self.fail = fail
        self.raise_exc = raise_exc

    def __call__(self, paths, db=None, *, progress=False):
        paths = [Path(p) for p in paths]
        self.calls.append(paths)
        if self.raise_exc:
            raise self.raise_exc
        bad = [(str(p), "unreadable") for p in paths if any(f in p.name for f in self.fail)]
        good = [str(p) for p in paths if not any(f in p.name for f in self.fail)]
        for p in paths:
            if progress:
                progress(str(p), "failed" if any(f in p.name for f in self.fail) else "added")
        return SimpleNamespace(added=good, replaced=[], unchanged=[], failed=bad)


@pytest.fixture
def make_site():
    """Make a MockSite (its client is closed after the test)."""
    sites: list[MockSite] = []

    def make(councils, **kw) -> MockSite:
        sites.append(MockSite(councils, **kw))
        return sites[-1]

    yield make
    for s in sites:
        s.close()


LIMIT_NAMES = {f.name for f in dataclasses.fields(Limits)}
FAST = dict(pause=0, timeout=0.5, retries=2, backoff=0.001)


def run(lib: Path, site: MockSite | None, ingest: Ingest | None = None, **kw):
    """fetch() from ``site`` (None: as configured, e.g. by the environment) with fast limits;
    keyword arguments named like Limits' fields go into Limits."""
    ingest = ingest if ingest is not None else Ingest()
    limits = Limits(**{**FAST, **{k: kw.pop(k) for k in list(kw) if k in LIMIT_NAMES}})
    args = dict(
        library=lib, ingest_fn=ingest, limits=limits, site=Site(client=site.client() if site else None)
    )
    if not any(k in kw for k in ("la", "urn", "all_councils")):
        args["la"] = "croydon"
    args.update(kw)
    return fetch(**args), ingest


def fast_fetch(ingest: Ingest, site: MockSite, **limits):
    """fetch() as the CLI calls it, from ``site``, with the CLI's deadlines kept and fast
    pauses and retries."""

    def call(**kw):
        given = kw.pop("limits", None) or Limits()
        kw["limits"] = dataclasses.replace(given, **{**FAST, **limits})
        return fetch(ingest_fn=ingest, site=Site(client=site.client()), **kw)

    return call


def assert_clean(lib: Path) -> dict:
    """Nothing half-written: no temp files, every PDF complete and in the manifest with its sha256."""
    if not lib.exists():
        return {}
    leftovers = [
        p
        for p in lib.rglob("*")
        if p.name.endswith(".part") or (p.name.startswith(".ofsted-mine-") and p.name != MANIFEST_NAME)
    ]
    assert leftovers == []
    manifest = (
        json.loads((lib / MANIFEST_NAME).read_text()) if (lib / MANIFEST_NAME).exists() else {"files": {}}
    )
    ok = {e["path"]: e for e in manifest["files"].values() if e["status"] == "ok"}
    pdfs = sorted(p for p in lib.rglob("*") if p.is_file() and p.name not in (MANIFEST_NAME, F.LOCK_NAME))
    for p in pdfs:
        data = p.read_bytes()
        assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:], p
        rel = p.relative_to(lib).as_posix()
        assert rel in ok, f"{rel} not in manifest"
        assert ok[rel]["sha256"] == hashlib.sha256(data).hexdigest()
        assert ok[rel]["size"] == len(data)
        assert re.fullmatch(
            r"[a-z0-9-]+/[a-z0-9-]+_[a-z0-9_]+_(\d{4}-\d{2}-\d{2}|undated)_[A-Za-z0-9-]+\.pdf", rel
        )
    assert len(ok) == len(pdfs)
    return manifest


def names(items) -> set[str]:
    return {i.path.name for i in items if i.path}


def second_run_downloads_nothing(lib: Path, site: MockSite, **kw):
    """Run again: nothing new, no file already in the library requested again, nothing ingested."""
    have = {p.stem.rsplit("_", 1)[-1] for p in lib.rglob("*.pdf")}
    before = len(site.file_requests())
    res, ing = run(lib, site, **kw)
    assert res.new == []
    again = site.file_requests()[before:]
    assert [p for p in again if p.rsplit("/", 1)[-1] in have] == []
    assert ing.calls == []
    assert_clean(lib)
    return res, ing, again


# ---------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    "text,title,fmt,d",
    [
        (
            "Children's services inspection, pdf - 16 March 2020",
            "Children's services inspection",
            "pdf",
            date(2020, 3, 16),
        ),
        (
            "Children\u2019s services inspection,  pdf - 04 september 2017",
            "Children's services inspection",
            "pdf",
            date(2017, 9, 4),
        ),
        ("Monitoring visit, PDF \u2013 3 May 2023", "Monitoring visit", "pdf", date(2023, 5, 3)),
        ("  Focused visit , pdf -  21st Jul 2021 ", "Focused visit", "pdf", date(2021, 7, 21)),
        (
            "Joint targeted area inspection, pdf - 01/02/2019",
            "Joint targeted area inspection",
            "pdf",
            date(2019, 2, 1),
        ),
        ("Monitoring visit", "Monitoring visit", None, None),
        ("Monitoring visit, pdf - 31 February 2020", "Monitoring visit, pdf - 31 February 2020", None, None),
    ],
)
def test_parse_publication_text(text, title, fmt, d):
    got = parse_publication_text(text)
    if d is None and fmt is None and "pdf" in text:
        assert got[2] is None  # impossible date: undated, not a crash
    else:
        assert got == (title, fmt, d)


@pytest.mark.parametrize(
    "title,kind",
    [
        ("Children's services inspection", "inspection"),
        ("Inspection of local authority children\u2019s services", "inspection"),
        ("Inspection of services for children in need of help and protection", "inspection"),
        ("Monitoring visit", "monitoring_visit"),
        ("Monitoring visit to Croydon children's services", "monitoring_visit"),
        ("Focused visit", "focused_visit"),
        ("Assurance visit", "focused_visit"),
        ("Joint targeted area inspection", "jtai"),
        ("Annual engagement meeting letter", None),
        ("Inspection report", None),
        ("", None),
    ],
)
def test_classify_kind(title, kind):
    assert classify_kind(title) == kind


def test_parse_kinds():
    assert parse_kinds(None) is None
    assert parse_kinds("monitoring_visit, focused-visit") == {"monitoring_visit", "focused_visit"}
    assert parse_kinds(["inspection"]) == {"inspection"}
    with pytest.raises(ValueError, match="unknown kind"):
        parse_kinds("inspection,annual_letter")


def test_parse_provider_page_is_tolerant():
    page = """<html><body><div><p>unclosed <ul>
      <li><a class="publication-link big" href="https://files.ofsted.gov.uk/v1/file/111">Monitoring visit
          <span class="nonvisual">Monitoring visit, pdf - 3 May 2023</span></a>
      <li><a href="/v1/file/222" class="publication-link"><span class="x">Focused</span>
        visit, pdf - 1 June 2021</a>
      <li><a class="publication-link" href="https://files.ofsted.gov.uk/v1/file/111">duplicate</a>
      <li><a class="other-link" href="/v1/file/333">Not a publication</a>
      <li><a class="publication-link" href="https://files.ofsted.gov.uk/v1/file/444">
        <span class="nonvisual">Annual letter, pdf - 2 Jan 2015</span>
    </body>"""
    pubs = parse_provider_page(page, "https://reports.ofsted.gov.uk/provider/44/80492")
    assert [(p.file_id, p.kind, p.date) for p in pubs] == [
        ("111", "monitoring_visit", date(2023, 5, 3)),
        ("222", "focused_visit", date(2021, 6, 1)),
        ("444", None, date(2015, 1, 2)),
    ]
    assert pubs[1].url == "https://reports.ofsted.gov.uk/v1/file/222"


def test_parse_listing_page():
    page = """<a href="/">home</a><li><a href="/provider/44/80492">Croydon</a></li>
      <a href="https://reports.ofsted.gov.uk/provider/44/80426/">Barnsley</a>
      <a href="/provider/44/80492">Croydon again</a><a rel="next" href="?start=100">›</a>"""
    rows, has_next = parse_listing_page(page, "https://reports.ofsted.gov.uk/search?q=")
    assert [(u, n) for u, n, _ in rows] == [("80492", "Croydon"), ("80426", "Barnsley")]
    assert rows[0][2] == "https://reports.ofsted.gov.uk/provider/44/80492"
    assert has_next
    assert parse_listing_page("<p>nothing</p>", "https://x/")[0] == []


@pytest.mark.parametrize(
    "args",
    [
        ("../../etc", "inspection", date(2020, 1, 2), "50140187"),
        ("croydon", "../../passwd", "2020-01-02", "50140187"),
        ("croydon", "inspection", "2020-01-02/../../x", "../../x?y=1"),
        ("st helen\u2019s & co/..\\", "monitoring_visit", None, ""),
    ],
)
def test_safe_filename(args, tmp_path):
    name = safe_filename(*args)
    assert re.fullmatch(r"[a-z0-9-]+_[a-z0-9_]+_(\d{4}-\d{2}-\d{2}|undated)_[A-Za-z0-9-]+\.pdf", name), name
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()


def test_user_agent_names_the_tool():
    assert re.match(r"ofsted-mine/\S+ \(\+", F.user_agent())


# ---------------------------------------------------------------------- hosts


def test_default_allow_list_is_ofsted_https_only(monkeypatch):
    monkeypatch.delenv("OFSTED_MINE_BASE_URL", raising=False)
    monkeypatch.delenv("OFSTED_MINE_FILES_URL", raising=False)
    base, files, allowed, overridden = resolve_bases(None, None)
    assert (base, files, overridden) == (
        "https://reports.ofsted.gov.uk",
        "https://files.ofsted.gov.uk",
        False,
    )
    assert allowed == {("https", "reports.ofsted.gov.uk", 443), ("https", "files.ofsted.gov.uk", 443)}
    http = Http(
        None, allowed, Limits(pause=0, timeout=1, retries=0, backoff=0, max_bytes=10), trust_env=False
    )
    try:
        for bad in (
            "http://reports.ofsted.gov.uk/search",
            "http://127.0.0.1:8000/search",
            "https://evil.example/v1/file/1",
            "https://files.ofsted.gov.uk.evil.example/x",
            "https://reports.ofsted.gov.uk:8443/x",
        ):
            with pytest.raises(F.FetchFailure, match="allow-list"):
                http.check(bad)
        http.check("https://files.ofsted.gov.uk/v1/file/50140187")
        assert http.requests == 0
    finally:
        http.close()


@pytest.mark.parametrize("url", ["http://example.com", "ftp://127.0.0.1/", "http://10.0.0.1:80", "not a url"])
def test_override_must_be_https_or_loopback(url, tmp_path, monkeypatch, make_site):
    site = make_site([croydon()])
    monkeypatch.setenv("OFSTED_MINE_BASE_URL", url)
    with pytest.raises(ValueError, match="refused|not an absolute address"):
        run(tmp_path / "lib", site)
    with pytest.raises(ValueError, match="refused|not an absolute address"):
        fetch(la="croydon", library=tmp_path / "lib", site=Site(files_url=url, client=site.client()))
    assert not (tmp_path / "lib").exists() and site.log == []


def test_bad_arguments(tmp_path, make_site):
    site = make_site([croydon()])
    for kw in (
        {"la": None},
        {"la": "croydon", "urn": "80492"},
        {"la": None, "all_councils": True, "urn": "1"},
    ):
        with pytest.raises(ValueError, match="exactly one"):
            run(tmp_path / "lib", site, **kw)
    with pytest.raises(ValueError, match="unknown council"):
        run(tmp_path / "lib", site, la="atlantis")
    with pytest.raises(ValueError, match="unknown kind"):
        run(tmp_path / "lib", site, kinds="newsletter")
    with pytest.raises(ValueError, match="since"):
        run(tmp_path / "lib", site, since="last tuesday")
    (tmp_path / "file").write_text("")
    with pytest.raises(FetchError, match="not a folder") as e:
        run(tmp_path / "file", site)
    assert e.value.param == "--library"
    assert site.log == []  # every argument is checked before the first request


# ---------------------------------------------------------------------- the normal path


def test_fetch_council_then_second_run_downloads_nothing(tmp_path, make_site):
    site = make_site([FakeCouncil(*BARNSLEY), croydon()])
    lib = tmp_path / "lib"
    events = []
    res, ing = run(lib, site, pause=0.05, on_event=lambda n, i: events.append(n))
    # polite: one request at a time, a pause between requests, our User-Agent on every request
    assert site.max_active == 1 and site.active == 0 and len(site.log) == 5
    assert all(b - a >= 0.045 for a, b in zip(site.times, site.times[1:]))
    assert all(h.get("user-agent", "").startswith("ofsted-mine/") for _, _, h in site.log)
    assert events == [
        "listing_page",
        "council_start",
        "item",
        "item",
        "item",
        "council_done",
        "ingest_start",
        "ingest_file",
        "ingest_file",
        "ingest_file",
        "ingest_done",
    ]
    assert res.ok and res.failed == []
    assert names(res.new) == EXPECTED_CROYDON
    assert {p.name for p in (lib / "croydon").iterdir()} == EXPECTED_CROYDON
    assert [sorted(p.name for p in c) for c in ing.calls] == [sorted(EXPECTED_CROYDON)]
    assert sorted(p.name for p in res.ingested) == sorted(EXPECTED_CROYDON)
    assert [(c.name, c.urn, c.found, c.new) for c in res.councils] == [("Croydon", "80492", 3, 3)]
    assert res.requests == 5 and res.bytes_downloaded > sum(p.stat().st_size for p in lib.rglob("*.pdf"))
    manifest = assert_clean(lib)
    e = manifest["files"]["50230001"]
    assert (e["kind"], e["date"], e["path"], e["urn"]) == (
        "monitoring_visit",
        "2023-05-03",
        "croydon/croydon_monitoring_visit_2023-05-03_50230001.pdf",
        "80492",
    )
    assert e["ingested"] == {"default": "ok"}
    assert res.summary() == "1 council(s), 3 new, 0 skipped, 0 failed, 3 ingested"

    # second run: nothing downloaded, nothing ingested, the provider address comes from the manifest
    n_req = len(site.log)
    res2, ing2 = run(lib, site)
    assert res2.new == [] and res2.failed == []
    assert names(res2.skipped) == EXPECTED_CROYDON
    assert all(i.reason == "already in library" for i in res2.skipped)
    assert ing2.calls == []
    assert [p for _, p, _ in site.log[n_req:]] == ["/provider/44/80492"]
    assert_clean(lib)

    # the manifest lost: files already present are adopted, not downloaded again
    (lib / MANIFEST_NAME).unlink()
    n_files = len(site.file_requests())
    res3, ing3 = run(lib, site)
    assert res3.new == [] and len(site.file_requests()) == n_files
    assert all("file present" in i.reason for i in res3.skipped)
    assert [len(c) for c in ing3.calls] == [3]  # the new manifest does not know they were ingested
    assert_clean(lib)


class CountingTransport(httpx.HTTPTransport):
    """Counts requests in flight on the client side (a response is in flight until closed)."""

    def __init__(self):
        super().__init__(trust_env=False)
        self.active = self.max_active = self.total = 0

    def handle_request(self, request):
        self.active += 1
        self.total += 1
        self.max_active = max(self.max_active, self.active)
        try:
            resp = super().handle_request(request)
        except BaseException:
            self.active -= 1
            raise
        transport, inner = self, resp.stream

        class Stream(httpx.SyncByteStream):
            def __iter__(self):
                yield from inner

            def close(self):
                inner.close()
                transport.active -= 1

        return httpx.Response(
            resp.status_code, headers=resp.headers, stream=Stream(), extensions=resp.extensions
        )


def test_end_to_end_over_loopback_http(tmp_path, monkeypatch):
    """The one test over real sockets: the base address moved by the environment (files follow
    it), fetch's own client, then a second run that downloads nothing."""
    monkeypatch.delenv("OFSTED_MINE_FILES_URL", raising=False)
    with LoopbackSite([FakeCouncil(*BARNSLEY), croydon()]) as loop:
        monkeypatch.setenv("OFSTED_MINE_BASE_URL", loop.base_url)
        lib = tmp_path / "lib"
        res, ing = run(lib, None)
        assert res.ok and names(res.new) == EXPECTED_CROYDON
        assert [len(c) for c in ing.calls] == [3]
        assert [s for s, _, _ in loop.mock.log] == ["reports", "reports", "files", "files", "files"]
        assert all(h.get("user-agent", "").startswith("ofsted-mine/") for _, _, h in loop.mock.log)
        assert_clean(lib)
        transport = CountingTransport()
        with httpx.Client(transport=transport) as client:
            res2 = fetch(la="80492", library=lib, limits=Limits(**FAST), site=Site(client=client))
        assert res2.new == [] and names(res2.skipped) == EXPECTED_CROYDON
        assert transport.total == transport.max_active == 1  # the provider page only
        assert_clean(lib)


def test_fetch_by_urn_and_by_unknown_urn(tmp_path, make_site):
    odd = FakeCouncil(
        "99999",
        "Nowhere-on-Sea & St. Elsewhere\u2019s / ../..",
        pubs=[pub("7001", "Monitoring visit, pdf - 1 May 2024", council="Nowhere")],
    )
    site = make_site([croydon(), odd])
    lib = tmp_path / "lib"
    res, _ = run(lib, site, urn="80492", la=None)
    assert names(res.new) == EXPECTED_CROYDON
    res, _ = run(lib, site, urn="99999", la=None)
    assert [i.path.relative_to(lib).as_posix() for i in res.new] == [
        "nowhere-on-sea-and-st-elsewheres/nowhere-on-sea-and-st-elsewheres_monitoring_visit_2024-05-01_7001.pdf"
    ]
    assert_clean(lib)


@pytest.mark.parametrize("site_pages,rows", [(2, 100), (None, 2)])
def test_all_walks_the_paginated_listing(tmp_path, make_site, monkeypatch, site_pages, rows):
    monkeypatch.setattr(_site, "LISTING_ROWS", rows)
    councils = [
        croydon(),
        FakeCouncil(*BARNSLEY, pubs=[pub("61", "Focused visit, pdf - 2 Feb 2022", "Barnsley")]),
        FakeCouncil(*BLACKPOOL, pubs=[pub("62", "Monitoring visit, pdf - 5 Oct 2022", "Blackpool")]),
        FakeCouncil("80486", "Barking and Dagenham"),
        FakeCouncil(
            "80487", "Barnet", pubs=[pub("63", "Children's services inspection, pdf - 1 Jan 2019", "Barnet")]
        ),
    ]
    site = make_site(councils, page_size=site_pages)
    lib = tmp_path / "lib"
    res, ing = run(lib, site, la=None, all_councils=True)
    assert res.ok
    starts = [re.search(r"start=(\d+)", p).group(1) for p in site.paths("reports") if p.startswith("/search")]
    assert starts == ["0", "2", "4"]
    assert [c.urn for c in res.councils] == [c.urn for c in councils]
    assert names(res.new) == EXPECTED_CROYDON | {
        "barnsley_focused_visit_2022-02-02_61.pdf",
        "blackpool_monitoring_visit_2022-10-05_62.pdf",
        "barnet_inspection_2019-01-01_63.pdf",
    }
    assert len(ing.calls) == 1 and len(ing.calls[0]) == 6
    assert_clean(lib)
    res2, _, again = second_run_downloads_nothing(lib, site, la=None, all_councils=True)
    assert again == [] and len(res2.skipped) == 6


def test_kind_and_since_filters(tmp_path, make_site):
    site = make_site([croydon()])
    lib = tmp_path / "lib"
    res, _ = run(lib, site, kinds="monitoring_visit,focused_visit", since="2022-01-01")
    assert names(res.new) == {"croydon_monitoring_visit_2023-05-03_50230001.pdf"}
    assert res.councils[0].excluded == 2
    res, _ = run(lib, site, kinds=["inspection"])
    assert names(res.new) == {"croydon_inspection_2020-03-16_50140187.pdf"}
    assert_clean(lib)


def test_dry_run_writes_nothing(tmp_path, make_site):
    site = make_site([croydon()])
    lib = tmp_path / "lib"
    res, ing = run(lib, site, dry_run=True)
    assert res.dry_run and names(res.new) == EXPECTED_CROYDON
    assert all(i.reason == "would download" for i in res.new)
    assert not lib.exists()
    assert site.file_requests() == [] and ing.calls == []


# ---------------------------------------------------------------------- faults


def test_404_is_reported_not_retried(tmp_path, make_site):
    site = make_site([croydon(pub("404404", "Monitoring visit, pdf - 9 Sep 2024", fault="404"))])
    lib = tmp_path / "lib"
    res, ing = run(lib, site)
    assert [(i.file_id, i.reason) for i in res.failed] == [("404404", "HTTP 404 (not found)")]
    assert site.pub("404404").served == 1
    assert names(res.new) == EXPECTED_CROYDON and len(ing.calls[0]) == 3
    assert_clean(lib)
    res2, _, again = second_run_downloads_nothing(lib, site)
    assert again == ["/v1/file/404404"] and len(res2.failed) == 1


def test_500_then_success(tmp_path, make_site):
    site = make_site([croydon(pub("500001", "Focused visit, pdf - 9 Sep 2024", fault="500", fault_times=2))])
    lib = tmp_path / "lib"
    res, _ = run(lib, site, retries=3)
    assert res.ok
    assert "croydon_focused_visit_2024-09-09_500001.pdf" in names(res.new)
    assert site.pub("500001").served == 3
    assert_clean(lib)
    second_run_downloads_nothing(lib, site)


def test_500_for_good_gives_up_after_retries(tmp_path, make_site):
    site = make_site([croydon(pub("500002", "Focused visit, pdf - 9 Sep 2024", fault="503"))])
    lib = tmp_path / "lib"
    res, _ = run(lib, site, retries=2)
    assert [i.reason for i in res.failed] == ["HTTP 503 (gave up after 3 attempts)"]
    assert site.pub("500002").served == 3
    assert_clean(lib)


@pytest.mark.parametrize("fault", ["slow", "stall"])
def test_timeout(tmp_path, make_site, fault):
    site = make_site(
        [croydon(pub("777", "Monitoring visit, pdf - 9 Sep 2024", fault=fault))], slow_seconds=0.8
    )
    lib = tmp_path / "lib"
    res, ing = run(lib, site, timeout=0.2, retries=1)
    assert len(res.failed) == 1
    assert "timed out" in res.failed[0].reason and "2 attempts" in res.failed[0].reason
    assert site.pub("777").served == 2
    assert not list((lib / "croydon").glob("*777*"))
    assert names(res.new) == EXPECTED_CROYDON
    assert_clean(lib)


def test_truncated_download(tmp_path, make_site):
    site = make_site(
        [
            croydon(
                pub("888", "Monitoring visit, pdf - 9 Sep 2024", fault="truncated"),
                pub("889", "Monitoring visit, pdf - 10 Sep 2024", fault="truncated", fault_times=1),
            )
        ]
    )
    lib = tmp_path / "lib"
    res, _ = run(lib, site, retries=2)
    assert [i.file_id for i in res.failed] == ["888"]
    assert "connection error" in res.failed[0].reason or "truncated" in res.failed[0].reason
    assert site.pub("888").served == 3
    assert "croydon_monitoring_visit_2024-09-10_889.pdf" in names(res.new)
    assert not list(lib.rglob("*888*"))
    assert_clean(lib)
    second_run_downloads_nothing(lib, site)


def test_html_instead_of_pdf_is_reported_and_remembered(tmp_path, make_site):
    site = make_site(
        [croydon(pub("999", "Children's services inspection, pdf - 13 July 2012", fault="html"))]
    )
    lib = tmp_path / "lib"
    res, ing = run(lib, site)
    assert [(i.file_id, i.reason) for i in res.failed] == [
        ("999", "not a PDF: the link returned an HTML page")
    ]
    assert site.pub("999").served == 1  # not retried
    assert not list(lib.rglob("*999*"))
    assert all("999" not in p.name for p in ing.calls[0])
    m = assert_clean(lib)
    assert m["files"]["999"]["status"] == "not_pdf"
    # a second run does not ask again, and reports it as skipped, not failed
    res2, _, again = second_run_downloads_nothing(lib, site)
    assert again == [] and res2.ok
    assert [i.file_id for i in res2.skipped if "HTML page" in i.reason] == ["999"]


@pytest.mark.parametrize("fault", ["redirect-other", "redirect-external"])
def test_redirect_to_another_host_is_refused(tmp_path, make_site, fault):
    site = make_site([croydon(pub("301", "Monitoring visit, pdf - 9 Sep 2024", fault=fault))])
    lib = tmp_path / "lib"
    res, _ = run(lib, site)
    assert [i.file_id for i in res.failed] == ["301"]
    assert res.failed[0].reason.startswith("refused redirect")
    assert site.paths("other") == []
    assert site.pub("301").served == 1
    assert_clean(lib)


def test_redirect_within_ofsted_is_followed(tmp_path, make_site):
    site = make_site([croydon(pub("302", "Monitoring visit, pdf - 9 Sep 2024", fault="redirect-same"))])
    lib = tmp_path / "lib"
    res, _ = run(lib, site)
    assert res.ok and "croydon_monitoring_visit_2024-09-09_302.pdf" in names(res.new)
    assert site.file_requests()[-2:] == ["/v1/file/302", "/v1/file/moved-302"]
    assert_clean(lib)


def test_link_off_the_allow_list_is_not_requested(tmp_path, make_site):
    site = make_site(
        [
            croydon(
                pub("303", "Monitoring visit, pdf - 9 Sep 2024", href="https://example.invalid/v1/file/303")
            )
        ]
    )
    lib = tmp_path / "lib"
    res, _ = run(lib, site)
    assert [i.file_id for i in res.failed] == ["303"] and "allow-list" in res.failed[0].reason
    assert site.pub("303").served == 0
    assert_clean(lib)


def test_unexpected_kind_is_reported_not_downloaded(tmp_path, make_site):
    site = make_site([croydon(pub("555", "Annual engagement meeting letter, pdf - 1 May 2021"))])
    lib = tmp_path / "lib"
    res, _ = run(lib, site)
    assert res.ok
    assert [(i.file_id, i.stage) for i in res.unrecognised] == [("555", "kind")]
    assert "unrecognised publication kind 'Annual engagement meeting letter'" in res.unrecognised[0].reason
    assert res.councils[0].unrecognised == 1
    assert site.pub("555").served == 0
    assert_clean(lib)


@pytest.mark.parametrize("fault", ["huge", "nolength-huge"])
def test_size_cap(tmp_path, make_site, fault):
    site = make_site([croydon(pub("666", "Monitoring visit, pdf - 9 Sep 2024", fault=fault))])
    lib = tmp_path / "lib"
    res, _ = run(lib, site, max_bytes=100_000)
    assert [i.file_id for i in res.failed] == ["666"] and "too large" in res.failed[0].reason
    assert site.pub("666").served == 1
    assert names(res.new) == EXPECTED_CROYDON
    assert_clean(lib)


def test_provider_page_error_fails_that_council(tmp_path, make_site):
    site = make_site([croydon(page_fault="500")])
    lib = tmp_path / "lib"
    res, ing = run(lib, site, retries=1)
    assert [(i.stage, i.council) for i in res.failed] == [("provider", "croydon")]
    assert "HTTP 500" in res.failed[0].reason
    assert res.new == [] and ing.calls == []
    assert_clean(lib)


def test_moved_provider_page_is_looked_up_again(tmp_path, make_site):
    site = make_site([croydon()])
    lib = tmp_path / "lib"
    run(lib, site)
    m = json.loads((lib / MANIFEST_NAME).read_text())
    m["providers"]["80492"]["url"] = site.base_url + "/provider/99/80492"
    (lib / MANIFEST_NAME).write_text(json.dumps(m))
    res, _ = run(lib, site)
    assert res.ok and len(res.skipped) == 3
    assert json.loads((lib / MANIFEST_NAME).read_text())["providers"]["80492"]["url"].endswith(
        "/provider/44/80492"
    )


# ---------------------------------------------------------------------- HTTP, one request at a time

PDF = b"%PDF-1.4\n" + b"x" * 2000 + b"\n%%EOF\n"
FILE = "https://files.ofsted.gov.uk/v1/file/1"


def http_on(answers, **limits) -> tuple[Http, list[httpx.Request]]:
    """An Http whose requests get ``answers`` in turn, the last one from then on (each an
    :func:`answer`, or an exception to raise); the allow-list is Ofsted's own."""
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        a = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(a, Exception):
            raise a
        return a()

    _, _, allowed, _ = resolve_bases(None, None)
    lim = Limits(**{**FAST, **limits})
    return Http(httpx.Client(transport=httpx.MockTransport(handler)), allowed, lim), seen


def answer(status: int, body: bytes = b"", **headers):
    """Makes a response whose body streams (as from the network); headers as keyword arguments."""
    h = {k.replace("_", "-"): v for k, v in headers.items()}
    return lambda: httpx.Response(status, headers=h, stream=httpx.ByteStream(body))


@pytest.mark.parametrize(
    "first,why",
    [
        (answer(503, retry_after="0"), "HTTP 503"),
        (answer(429), "HTTP 429"),
        (httpx.ConnectError("refused"), "connection error: ConnectError"),
        (httpx.ReadTimeout("slow"), "timed out (ReadTimeout)"),
        (answer(200, b"%PDF-1.4 cut short", content_type="application/pdf"), "no %%EOF"),
        (answer(200, PDF[:100], content_length=str(len(PDF))), "truncated download (100 of"),
    ],
)
def test_transient_failures_are_retried_then_given_up(tmp_path, first, why):
    http, seen = http_on([first, answer(200, PDF)], retries=1)
    tmp, sha, size = http.download(FILE, tmp_path)  # the second attempt succeeds
    assert tmp.read_bytes() == PDF and size == len(PDF) and len(seen) == 2
    assert sha == hashlib.sha256(PDF).hexdigest()
    http, seen = http_on([first], retries=2)
    with pytest.raises(F.FetchFailure, match=re.escape(why)) as e:
        http.download(FILE, tmp_path)
    assert "gave up after 3 attempts" in str(e.value) and len(seen) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [tmp.name]  # no .part left behind


@pytest.mark.parametrize(
    "reply,why",
    [
        (answer(404), "HTTP 404 (not found)"),
        (answer(403), "HTTP 403"),
        (answer(204), "unexpected HTTP 204"),
        (answer(302), "HTTP 302 redirect without a Location"),
        (answer(301, location="https://files.ofsted.gov.uk:8443/x"), "refused redirect to https://files"),
        (answer(200, b""), "not a PDF: empty response"),
        (answer(200, b"PK\x03\x04" + b"z" * 2000, content_type="application/zip"), "not a PDF (content-type"),
        (answer(200, PDF, content_encoding="br"), "unsupported Content-Encoding 'br'"),
    ],
)
def test_failures_for_good_are_not_retried(tmp_path, reply, why):
    http, seen = http_on([reply], retries=3)
    with pytest.raises(F.FetchFailure, match=re.escape(why)):
        http.download(FILE, tmp_path)
    assert len(seen) == 1 and list(tmp_path.iterdir()) == []


def test_retry_after_is_honoured_and_capped():
    http, seen = http_on(
        [answer(429, retry_after="0.3"), answer(200, b"<p>ok</p>")], retries=1, backoff=0.001
    )
    t = time.monotonic()
    assert http.get_text("https://reports.ofsted.gov.uk/x") == (
        "https://reports.ofsted.gov.uk/x",
        "<p>ok</p>",
    )
    assert 0.3 <= time.monotonic() - t < 2 and len(seen) == 2


def test_redirects_are_followed_within_the_allow_list_and_counted(tmp_path):
    moved = answer(302, location="/v1/file/2")
    http, seen = http_on([moved, answer(200, PDF)])
    http.download(FILE, tmp_path)
    assert [str(r.url) for r in seen] == [FILE, "https://files.ofsted.gov.uk/v1/file/2"]
    assert http.requests == 2 and http.bytes == len(PDF)
    http, seen = http_on([answer(302, location="/v1/file/1")])  # a loop
    with pytest.raises(F.FetchFailure, match="too many redirects"):
        http.download(FILE, tmp_path)
    assert len(seen) == 6  # the first request and five redirects


def test_a_response_already_in_memory_is_accepted_and_capped(tmp_path):
    """A MockTransport answer made with ``content=`` arrives read (and decoded) by httpx."""
    whole = gzip.compress(PDF)

    def in_memory():
        return httpx.Response(200, content=whole, headers={"Content-Encoding": "gzip"})

    http, _ = http_on([in_memory])
    tmp, _, size = http.download(FILE, tmp_path)
    assert tmp.read_bytes() == PDF and size == len(PDF)
    http, _ = http_on([in_memory], max_bytes=1000)
    with pytest.raises(F.FetchFailure, match="too large"):
        http.download(FILE, tmp_path)


def test_page_cap_and_charset():
    big = answer(200, b"x" * (11 * 1024 * 1024), content_type="text/html")
    http, _ = http_on([big])
    with pytest.raises(F.FetchFailure, match="too large"):
        http.get_text("https://reports.ofsted.gov.uk/x")
    latin = answer(200, "caf\u00e9".encode("latin-1"), content_type="text/html; charset=latin-1")
    http, _ = http_on([latin])
    assert http.get_text("https://reports.ofsted.gov.uk/x")[1] == "caf\u00e9"


# ---------------------------------------------------------------------- interruption & resume


def test_interrupted_run_resumes(tmp_path, make_site):
    site = make_site([croydon()])
    lib = tmp_path / "lib"
    (lib / "croydon").mkdir(parents=True)
    stale = lib / "croydon" / ".ofsted-mine-abc.part"
    stale.write_bytes(b"%PDF-1.4 half")  # left by a run that was killed

    def stop_after_first(name, info):
        if name == "item" and info["status"] == "new":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(lib, site, on_event=stop_after_first)
    assert not stale.exists()
    assert len(list(lib.rglob("*.pdf"))) == 1
    assert_clean(lib)
    before = len(site.file_requests())
    res, ing = run(lib, site)
    assert len(res.new) == 2 and len(site.file_requests()) == before + 2
    assert [len(c) for c in ing.calls] == [3]  # the first file was never ingested either
    assert_clean(lib)


def test_ingest_failure_is_reported_and_retried_next_run(tmp_path, make_site):
    site = make_site([croydon()])
    lib = tmp_path / "lib"
    res, _ = run(lib, site, ingest=Ingest(raise_exc=RuntimeError("database is locked")))
    assert len(res.new) == 3
    assert [i.stage for i in res.failed] == ["ingest"] * 3
    assert "database is locked" in res.failed[0].reason
    res2, ing2 = run(lib, site, ingest=Ingest(fail=("50230001",)))
    assert res2.new == [] and [len(c) for c in ing2.calls] == [3]
    assert [i.path.name for i in res2.failed] == ["croydon_monitoring_visit_2023-05-03_50230001.pdf"]
    # a file ingest rejected is not offered again to the same database; another database gets all
    res3, ing3 = run(lib, site)
    assert ing3.calls == [] and res3.ok
    res4, ing4 = run(lib, site, db=tmp_path / "other.db")
    assert [len(c) for c in ing4.calls] == [3]
    assert_clean(lib)
    assert len(site.file_requests()) == 3


def test_second_fetch_on_same_library_is_refused_while_one_runs(tmp_path, make_site):
    site = make_site([croydon()])
    lib = tmp_path / "lib"
    inner = {}

    def nested(name, info):
        if name == "council_start" and not inner:
            with pytest.raises(RuntimeError, match="another"):
                run(lib, site)
            inner["done"] = True

    res, _ = run(lib, site, on_event=nested)
    assert inner and res.ok


# ---------------------------------------------------------------------- CLI


def cli_with(monkeypatch, site: MockSite, ingest: Ingest, **limits):
    """The real CLI app, its fetch reading ``site`` with fast limits; returns invoke(args)."""
    from typer.testing import CliRunner

    import ofsted_mine.fetch as fetch_module  # fetch_cli imports fetch from it when the command runs
    from ofsted_mine.cli import app

    monkeypatch.setattr(fetch_module, "fetch", fast_fetch(ingest, site, **limits))

    def invoke(args: list[str], **kw):
        return CliRunner().invoke(app, ["fetch", *args], **kw)

    return invoke


def test_cli(tmp_path, make_site, monkeypatch):
    from ofsted_mine import fetch_cli
    from ofsted_mine.cli import app

    site = make_site([croydon(pub("404404", "Monitoring visit, pdf - 9 Sep 2024", fault="404"))])
    ing = Ingest()
    invoke = cli_with(monkeypatch, site, ing, retries=1)
    lib = tmp_path / "lib"
    r = invoke(["--la", "croydon", "--library", str(lib)])
    assert r.exit_code == 1, r.output  # the 404 failed
    assert "Croydon" in r.output and "HTTP 404" in r.output
    assert len(list(lib.rglob("*.pdf"))) == 3 and [len(c) for c in ing.calls] == [3]
    r = invoke(["--urn", "80492", "--library", str(lib), "--kind", "inspection"])
    assert r.exit_code == 0, r.output
    assert "0 new" in r.output
    r = invoke(["--la", "croydon", "--library", str(lib), "--dry-run", "--kind", "monitoring_visit"])
    assert r.exit_code == 0, r.output  # a dry run does not request files, so the 404 is not seen
    assert "would download" in r.output and "_404404.pdf" in r.output
    n = len(site.log)
    for bad, says in (
        (["--library", str(lib)], "exactly one of --la, --urn or --all"),
        (["--la", "croydon", "--kind", "x"], "unknown kind 'x'"),
        (["--la", "croydon", "--since", "soon"], "'soon'"),
        (["--la", "atlantis"], "unknown council 'atlantis'"),
        (["--la", "croydon", "--request-deadline", "-1"], "'--request-deadline'"),
    ):
        r = invoke(bad, env={"COLUMNS": "300"})
        assert r.exit_code == 2, (bad, r.output)
        assert says in " ".join(r.output.split()), (bad, r.output)
    assert len(site.log) == n  # refused before any request
    # the main app's fetch command is this module's (registered, perhaps wrapped, not a copy)
    callbacks = [inspect.unwrap(c.callback) for c in app.registered_commands if c.name == "fetch"]
    assert callbacks == [fetch_cli.fetch_command]


def test_cli_passes_deadlines_as_limits(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import ofsted_mine.fetch as fetch_module
    from ofsted_mine.cli import app

    seen = {}

    def fake_fetch(**kw):
        seen.update(kw)
        return F.FetchResult()

    monkeypatch.setattr(fetch_module, "fetch", fake_fetch)
    lib = tmp_path / "lib"
    r = CliRunner().invoke(app, ["fetch", "--all", "--library", str(lib), "--deadline", "7", "--kind", "mv"])
    assert r.exit_code == 0, r.output
    assert seen["limits"] == Limits(request_deadline=300.0, run_deadline=7.0)
    assert (seen["all_councils"], seen["kinds"], seen["library"]) == (True, "mv", lib)
    CliRunner().invoke(app, ["fetch", "--all", "--request-deadline", "0"])
    assert seen["limits"] == Limits(request_deadline=None, run_deadline=None)


# ---------------------------------------------------------------------- the real ingest


def test_real_ingest_on_fetched_files(tmp_path, make_site):
    """fetch() with its default ingest: the real ofsted_mine.api.ingest."""
    site = make_site([croydon(pub("404404", "Monitoring visit, pdf - 9 Sep 2024", fault="html"))])
    lib, db = tmp_path / "lib", tmp_path / "ofsted.db"
    quick = Limits(pause=0, timeout=2, retries=1, backoff=0.001)
    res = fetch(la="croydon", library=lib, db=db, limits=quick, site=Site(client=site.client()))
    assert [i.file_id for i in res.failed] == ["404404"]  # the HTML page, not ingested
    assert res.ingest is not None
    assert sorted(str(p) for p in res.ingest.added) == sorted(str(i.path) for i in res.new)
    assert sorted(res.ingested) == sorted(i.path for i in res.new)
    import sqlite3

    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == len(res.new) == 3
    finally:
        con.close()
    assert_clean(lib)
    res2 = fetch(la="croydon", library=lib, db=db, limits=quick, site=Site(client=site.client()))
    assert res2.new == [] and res2.ingest is None and res2.ok
    assert len(site.file_requests()) == 4


def test_cli_constants_match_the_library():
    from ofsted_mine import fetch as fetch_mod
    from ofsted_mine import fetch_cli

    assert tuple(fetch_mod.KNOWN_KINDS) == fetch_cli.KNOWN_KINDS
    assert fetch_cli.DEFAULT_LIBRARY == Path(fetch_mod.DEFAULT_LIBRARY)
