"""National scale: the benchmark's per-document counts (kept by triggers) follow every write,
and the fast query paths of ``quotes`` give the results of the full ranking."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import ofsted_mine as om
from ofsted_mine.store import search
from ofsted_mine.store.benchmark import recount, stored_counts
from ofsted_mine.store.db import open_db
from ofsted_mine.tag.corrections import correct

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory):
    """The sample corpus's PDFs in a scratch folder (so one can be replaced) and its database."""
    root = tmp_path_factory.mktemp("scale")
    shutil.copytree(CORPUS / "pdf", root / "pdf")
    db = root / "corpus.db"
    assert not om.ingest([root / "pdf"], db).failed
    return root, db


def _same(con) -> None:
    fresh, kept = recount(con), stored_counts(con)
    assert kept[0] == fresh[0]
    assert kept[1] == pytest.approx(fresh[1])
    assert fresh[0] and fresh[1]  # there is something to compare


def test_counts_follow_ingest_corrections_retag_and_replace(corpus_copy):
    root, db = corpus_copy
    con = open_db(db)
    _same(con)
    fid, theme = con.execute(
        "SELECT f.id, t.theme FROM findings f JOIN tags t ON t.finding_id = f.id "
        "WHERE f.polarity = 'strength' AND f.section_kind NOT IN ('header', 'closing') LIMIT 1"
    ).fetchone()
    before = stored_counts(con)[1]
    correct(con, fid, polarity="concern", who="test")
    _same(con)
    assert stored_counts(con)[1] != before  # a strength turned concern counts now
    correct(con, fid, remove=[theme], add=["drift_delay"], who="test")
    _same(con)
    con.execute(
        "UPDATE tags SET theme = 'care_leavers' WHERE finding_id = ? AND theme = 'drift_delay'", (fid,)
    )
    _same(con)
    con.close()
    om.retag(db)
    con = open_db(db)
    _same(con)
    a = sorted((root / "pdf").rglob("*.pdf"))[0]
    with a.open("ab") as fh:  # new bytes at a known path: replaced on the next ingest
        fh.write(b"\n% a comment after the end\n")
    con.close()
    res = om.ingest([root / "pdf"], db)
    assert res.replaced and not res.failed
    con = open_db(db)
    _same(con)
    n = con.execute("SELECT COUNT(*) FROM doc_findings").fetchone()[0]
    assert n == con.execute("SELECT COUNT(DISTINCT doc_id) FROM findings").fetchone()[0]
    con.close()


def test_capped_ranking_is_said_and_narrow_searches_are_exact(corpus_copy, monkeypatch):
    _, db = corpus_copy
    con = open_db(db, create=False)
    full = search.quotes(con, "the", limit=None)
    assert len(full) > 30
    top = search.quotes(con, "the", limit=10)
    assert not top.capped
    assert [q.score for q in top] == [q.score for q in full[:10]]
    monkeypatch.setattr(search, "RANK_CAP", 25)
    capped = search.quotes(con, "the", limit=10)
    assert capped.capped and len(capped) == 10
    # ranked among the 26 most recently stored matches only
    newest = sorted(q.finding_id for q in full)[-26:]
    assert {q.finding_id for q in capped} <= set(newest)
    la = full[0].la_urn
    narrow = search.quotes(con, "the", la=la, limit=10)
    assert not narrow.capped
    exact = [q for q in full if q.la_urn == la][:10]
    assert [q.score for q in narrow] == [q.score for q in exact]
    con.close()


def test_filters_without_words_give_the_first_rows_of_the_full_order(corpus_copy):
    _, db = corpus_copy
    con = open_db(db, create=False)
    for kw in ({"themes": ["drift_delay"]}, {"polarity": "concern"}, {"themes": ["workforce_stability"]}):
        full = search.quotes(con, **kw, limit=None)
        assert len(full) > 5, kw
        assert [q.finding_id for q in search.quotes(con, **kw, limit=5)] == [q.finding_id for q in full[:5]]
    con.close()


def test_the_cli_says_when_the_ranking_was_capped(corpus_copy, monkeypatch):
    from typer.testing import CliRunner

    from ofsted_mine.cli import app

    _, db = corpus_copy
    run = CliRunner().invoke
    assert "note:" not in run(app, ["quotes", "the", "--db", str(db), "--format", "json"]).stderr
    monkeypatch.setattr(search, "RANK_CAP", 25)
    res = run(app, ["quotes", "the", "--db", str(db), "--format", "json"])
    assert res.exit_code == 0
    assert "note: the words match more than 25 findings" in res.stderr
    assert "note:" not in res.stdout  # the JSON stays JSON


def test_the_web_search_page_says_when_the_ranking_was_capped(corpus_copy, monkeypatch):
    from starlette.testclient import TestClient

    from ofsted_mine.web.app import create_app
    from ofsted_mine.web.cli import build_settings

    _, db = corpus_copy
    client = TestClient(create_app(build_settings(db, team=False)), base_url="http://localhost")
    assert "the words match more than" not in client.get("/search?q=the").text
    monkeypatch.setattr(search, "RANK_CAP", 25)
    page = client.get("/search?q=the&nocache=1").text
    assert "Note: the words match more than 25 findings" in page


def test_the_scale_bench_duplicates_everything_consistently(corpus_copy, tmp_path):
    """bench/scale.py's builder on the sample corpus, twice over: every table doubles, the
    full-text index and the counts follow, and a copy is searchable as its own council."""
    import importlib.util
    import sqlite3

    spec = importlib.util.spec_from_file_location(
        "scale", Path(__file__).resolve().parents[1] / "bench/scale.py"
    )
    assert spec and spec.loader
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    _, src = corpus_copy
    db = tmp_path / "x2.db"
    with sqlite3.connect(src) as a, sqlite3.connect(db) as b:
        a.backup(b)
    tables = ("documents", "sections", "findings", "tags", "recommendations")
    con = open_db(db)
    before = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    fts = "SELECT COUNT(*) FROM findings_fts WHERE findings_fts MATCH 'drift'"
    n_fts = con.execute(fts).fetchone()[0]
    con.close()
    raw = sqlite3.connect(db, isolation_level=None)
    scale.duplicate(raw, 2, progress=lambda _m: None)
    raw.close()
    con = open_db(db)
    after = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    assert after == {t: 2 * n for t, n in before.items()}
    assert con.execute(fts).fetchone()[0] == 2 * n_fts > 0
    _same(con)
    copy = con.execute("SELECT la_urn FROM documents WHERE la_urn LIKE 'name:scale-1-%' LIMIT 1").fetchone()[
        0
    ]
    assert search.quotes(con, "drift", la=copy) or search.quotes(con, "the", la=copy)
    con.close()
