"""ofsted_mine.fetch() runs against a fake Ofsted site (tests/fetch_site.py; never the real internet):
an httpx.MockTransport for every case, and one end-to-end run over real HTTP on 127.0.0.1."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest

from ofsted_mine import fetch as F
from ofsted_mine.fetch import MANIFEST_NAME, FetchError, Limits, Site, fetch

from .fetch_site import FakeCouncil, LoopbackSite
from .fetch_support import (
    BARNSLEY,
    BLACKPOOL,
    EXPECTED_CROYDON,
    FAST,
    Ingest,
    assert_clean,
    croydon,
    names,
    pub,
    run,
    second_run_downloads_nothing,
    site_maker,
)


@pytest.fixture
def make_site():
    """Make a MockSite (its client is closed after the test)."""
    yield from site_maker()


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


@pytest.mark.parametrize(
    "kw,param",
    [
        ({}, None),
        ({"la": "atlantis"}, "--la"),
        ({"urn": "not-a-urn"}, "--urn"),
        ({"la": "croydon", "kinds": "x"}, "--kind"),
        ({"la": "croydon", "since": "2017-13-45"}, "--since"),
        ({"la": "croydon", "site": Site(base_url="http://example.com")}, None),
    ],
)
def test_plan_names_the_option_at_fault(tmp_path, kw, param):
    with pytest.raises(FetchError) as e:
        F.plan(library=tmp_path, **kw)
    assert e.value.param == param and isinstance(e.value, ValueError)
    assert e.value.exit_code == 2  # a UsageError: one line for the user, exit status 2


def test_plan_of_a_good_request(tmp_path, monkeypatch):
    monkeypatch.delenv("OFSTED_MINE_BASE_URL", raising=False)
    monkeypatch.delenv("OFSTED_MINE_FILES_URL", raising=False)
    p = F.plan(la="Croydon", kinds="mv, fv", since="2020-01-01", library=tmp_path / "lib")
    assert [(t.urn, t.slug) for t in p.targets] == [("80492", "croydon")]
    assert p.kinds == {"monitoring_visit", "focused_visit"} and p.since == date(2020, 1, 1)
    assert (p.base, p.files, p.overridden) == (F.DEFAULT_BASE_URL, F.DEFAULT_FILES_URL, False)
    assert not (tmp_path / "lib").exists()  # planning writes nothing
    moved = F.plan(urn="12345678", library=tmp_path, site=Site(base_url="http://127.0.0.1:9"))
    assert [(t.urn, t.name) for t in moved.targets] == [("12345678", "")]  # unknown URN, still asked for
    assert (moved.base, moved.files, moved.overridden) == ("http://127.0.0.1:9", "http://127.0.0.1:9", True)


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
    monkeypatch.setattr("ofsted_mine.fetch._site.LISTING_ROWS", rows)
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
