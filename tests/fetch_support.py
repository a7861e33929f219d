"""Helpers for the tests of ofsted_mine.fetch: publications and councils for tests/fetch_site.py's
MockSite, a stand-in ingest, fetch() with fast limits, and the library's invariants."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
from pathlib import Path
from types import SimpleNamespace

from ofsted_mine import fetch as F
from ofsted_mine.fetch import MANIFEST_NAME, Limits, Site, fetch

from .fetch_site import FakeCouncil, FakePub, MockSite, letter_pdf

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


def site_maker():
    """For a ``make_site`` fixture: yields a function making MockSites, then closes them."""
    sites: list[MockSite] = []

    def make(councils, **kw) -> MockSite:
        sites.append(MockSite(councils, **kw))
        return sites[-1]

    yield make
    for s in sites:
        s.close()


def cli_with(monkeypatch, site: MockSite, ingest: Ingest, **limits):
    """The real CLI app, its fetch reading ``site`` with fast limits; returns invoke(args)."""
    from typer.testing import CliRunner

    import ofsted_mine.fetch as fetch_module  # cli/fetch.py imports fetch from it when the command runs
    from ofsted_mine.cli import app

    monkeypatch.setattr(fetch_module, "fetch", fast_fetch(ingest, site, **limits))

    def invoke(args: list[str], **kw):
        return CliRunner().invoke(app, ["fetch", *args], **kw)

    return invoke
