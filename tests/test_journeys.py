"""Issue 11: one journey model, the same verdict everywhere, visits not files (sample corpus)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ofsted_mine as om
from ofsted_mine.analyse.cells import cell_verdict, compare_status
from ofsted_mine.analyse.results import Cell
from ofsted_mine.analyse.timeline import compare, timeline, track
from ofsted_mine.cli import app

from .agreement import check_council, xlsx_timeline_rows
from .test_readiness import build_corpus_db

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
runner = CliRunner()


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory) -> Path:
    return build_corpus_db(tmp_path_factory)


@pytest.fixture(scope="module")
def both_db(tmp_path_factory, corpus_db) -> Path:
    """The corpus PDFs and their text sources: two documents of every visit."""
    db = tmp_path_factory.mktemp("both") / "both.db"
    a, b = sqlite3.connect(corpus_db), sqlite3.connect(db)
    a.backup(b)
    a.close()
    b.close()
    r = om.ingest([CORPUS / "sources"], db)
    assert not r.failed and len(r.added) == len(list((CORPUS / "sources").glob("*/*.txt")))
    return db


def _cli(db):
    def run(args):
        r = runner.invoke(app, [*args, "--db", str(db)])
        assert r.exit_code == 0, r.stdout + r.stderr
        return r.stdout

    return run


# ---------------------------------------------------------------- the defects, reproduced
def test_latest_inspection_is_in_the_trend(corpus_db):
    """Eastmere was judged good in its 2024 re-inspection: the trend must include it."""
    con = om.open_db(corpus_db)
    tl = timeline(con, "Eastmere")
    latest = tl.visits[-1]
    assert latest.kind == "inspection" and latest.id in tl.window and tl.window[0] == tl.visits[0].id
    tr = track(con, "care_leavers", "Eastmere")
    assert all(v.in_trend for v in tr.visits)
    assert tr.now == latest.id  # where it stands now: the re-inspection
    assert tr.trend != "persistent" or tl.cells["care_leavers"][latest.id].verdict == "concern"
    # "not examined since" only when literally true: early help has findings in the 2024 inspection
    eh = track(con, "early_help", "Eastmere")
    assert tl.cells["early_help"][latest.id].examined and eh.not_examined_since is None
    # the journeys: inspection 2023 (opens), five monitoring visits, inspection 2024 (closes, opens the next)
    j1, j2 = tl.journeys
    assert j1.opened_by == tl.visits[0].id and j1.closed_by == latest.id and len(j1.visits) == 7
    assert j2.current and j2.visits == [latest.id] and j1.closed_with == "good"
    assert tl.window_journey == 1 and not j1.current


def test_a_mixed_only_cell_is_not_a_concern_and_no_concerns_means_none():
    def v(c=0, m=0, s=0, n=0, focus=False):
        return cell_verdict(Cell("t", "v", concern=c, mixed=m, strength=s, neutral=n, in_focus=focus))

    assert v(m=1) == "too_little" and v(m=3) == "mixed"
    assert v(c=4, m=1, s=14) == "mostly_strength"  # the "S 4/1/14"
    assert v(c=2, s=17) == "mostly_strength" and v(s=17) == "strength"
    assert v(c=1, s=1) == "mixed" and v(c=2, s=1) == "concern"
    assert v(n=2) == "neutral" and v() == "not_examined" and v(focus=True) == "examined_silent"


def test_compare_needs_a_concern_on_both_sides(corpus_db):
    """The issue: compare called a theme "persistent" while its later cell said strength
    (2 concern, 17 strength)."""
    a = Cell("t", "a", concern=14, mixed=1, strength=4)
    b = Cell("t", "b", concern=2, strength=17)
    for c in (a, b):
        c.verdict = cell_verdict(c)
    assert compare_status(a, b) == "concern eased"
    b2 = Cell("t", "b", strength=5)
    b2.verdict = cell_verdict(b2)
    assert compare_status(a, b2) == "no longer raised"
    con = om.open_db(corpus_db)
    tl = timeline(con, "Eastmere")
    res = compare(con, tl.visits[0].id, tl.visits[-1].id)
    for row in res.themes:
        assert row.a is tl.cells[row.theme][tl.visits[0].id] or row.a == tl.cells[row.theme][tl.visits[0].id]
        if row.status == "persistent concern":
            assert row.a.verdict == row.b.verdict == "concern"


# ---------------------------------------------------------------- visits, not files
def test_a_visit_with_two_sources_counts_once(corpus_db, both_db):
    c1, c2 = om.open_db(corpus_db), om.open_db(both_db)
    v1, v2 = om.visits(c1, include_papers=False), om.visits(c2, include_papers=False)
    assert [v["id"] for v in v1] == [v["id"] for v in v2]  # no "-2" visits
    assert not any(v["id"].endswith("-2") for v in v2)
    for v in v2:
        if v["kind"] == "council_paper":
            continue
        assert len(v["sources"]) == 2 and v["sources"][0]["quoted"] and v["sources"][0]["format"] == "pdf"
        assert v["source"].endswith(".pdf")
    for la in ("Wyvern Vale", "Eastmere", "Kestrel Bay"):
        t1, t2 = timeline(c1, la), timeline(c2, la)
        assert [v.id for v in t1.visits] == [v.id for v in t2.visits]
        assert t1.cells == t2.cells and t1.trends == t2.trends
    # quotes are not doubled either
    q = om.quotes(c2, "caseloads", la="Eastmere", limit=200)
    assert len(q) == len(om.quotes(c1, "caseloads", la="Eastmere", limit=200))
    # a source's own id finds its visit
    first, last = v2[1], v2[-1]
    res = compare(c2, first["sources"][1]["id"], last["id"])
    assert res.a.visit_id == first["id"] and res.b.visit_id == last["id"]
    # show names the sources and the quoted one
    out = _cli(both_db)(["show", v2[1]["id"]])
    assert "sources (2" in out and "*" in out


def test_the_pdf_is_quoted_whichever_source_came_first(tmp_path):
    src, pdf = CORPUS / "sources" / "kestrel-bay", CORPUS / "pdf" / "kestrel-bay"
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    om.ingest([src], a, workers=1)
    om.ingest([pdf], a, workers=1)
    om.ingest([pdf], b, workers=1)
    om.ingest([src], b, workers=1)
    va, vb = om.visits(om.open_db(a)), om.visits(om.open_db(b))
    assert [(v["id"], v["source"]) for v in va] == [(v["id"], v["source"]) for v in vb]
    assert va[0]["source"].endswith(".pdf") and len(va[0]["sources"]) == 2
    # re-ingest: identity by SHA-256, nothing changes
    r = om.ingest([src, pdf], a, workers=1)
    assert len(r.unchanged) == 2 and not r.added
    assert om.visits(om.open_db(a)) == va


# ---------------------------------------------------------------- the agreement test (corpus)
def test_every_view_agrees_with_the_library(corpus_db, tmp_path):
    from ofsted_mine.report.export import export_findings
    from ofsted_mine.report.html import readiness_html
    from ofsted_mine.report.markdown import readiness_markdown

    con = om.open_db(corpus_db)
    out = tmp_path / "all.xlsx"
    export_findings(con, str(out), "xlsx")
    rows = xlsx_timeline_rows(out)
    bad = []
    councils = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT la FROM documents WHERE la IS NOT NULL AND kind IN "
            "('inspection', 'monitoring_visit', 'focused_visit', 'jtai') ORDER BY la"
        )
    ]
    assert {"Wyvern Vale", "Eastmere", "Kestrel Bay"} <= set(councils)
    for la in councils:
        bad += check_council(
            con,
            la,
            html_page=readiness_html(con, la),
            md_page=readiness_markdown(con, la),
            xlsx_rows=rows,
            cli=_cli(corpus_db),
        )
    assert bad == []


def test_journey_and_since_choose_the_window(corpus_db):
    con = om.open_db(corpus_db)
    tl = timeline(con, "Wyvern Vale", journey="current")
    assert tl.window == [tl.visits[-1].id]
    tl = timeline(con, "Wyvern Vale", journey=1)
    assert tl.window[0] == tl.visits[0].id and tl.window[-1] == tl.visits[-1].id
    tl = timeline(con, "Wyvern Vale", since="2023-01-01")
    assert tl.window == [v.id for v in tl.visits] and all(v.date >= "2023-01-01" for v in tl.visits)
    with pytest.raises(ValueError):
        timeline(con, "Wyvern Vale", journey=9)
    r = runner.invoke(
        app, ["track", "drift_delay", "--la", "Wyvern Vale", "--journey", "9", "--db", str(corpus_db)]
    )
    assert r.exit_code == 1 and "no journey 9" in r.stderr


def test_an_older_database_is_upgraded_to_visits(both_db, tmp_path):
    """Schema v3 had no visit_key/quoted: the migration groups a visit's documents and quotes the PDF."""
    db = tmp_path / "v3.db"
    a, b = sqlite3.connect(both_db), sqlite3.connect(db)
    a.backup(b)
    a.close()
    # everything the later migrations added goes too, so this is a true v3 database
    for t in ("corrections", "recommendations", "recommendation_docs", "ingest_failures"):
        b.execute(f"DROP TABLE IF EXISTS {t}")
    if any(r[1] == "polarity_source" for r in b.execute("PRAGMA table_info(findings)")):
        b.execute("ALTER TABLE findings DROP COLUMN polarity_source")
    b.execute("DROP INDEX documents_visit_key")
    b.execute("ALTER TABLE documents DROP COLUMN quoted")
    b.execute("ALTER TABLE documents DROP COLUMN visit_key")
    b.execute("PRAGMA user_version=3")
    b.commit()
    b.close()
    con = om.open_db(db)
    rows = con.execute(
        "SELECT visit_key, SUM(quoted), MAX(CASE WHEN quoted THEN format END), COUNT(*) FROM documents "
        "WHERE kind != 'council_paper' GROUP BY visit_key"
    ).fetchall()
    assert rows and all(r[1] == 1 and r[2] == "pdf" and r[3] == 2 for r in rows)
    c1 = om.open_db(both_db)
    for la in ("Wyvern Vale", "Eastmere"):
        assert timeline(con, la).cells == timeline(c1, la).cells
