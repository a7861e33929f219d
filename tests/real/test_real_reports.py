"""Real Ofsted reports from ../shared, read at run time (never copied into the repository)."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ofsted_mine as om
from ofsted_mine.evaluate_meta import FIELDS, compare_rows, load_verified

from ..conftest import REPORTS, requires_reports

pytestmark = [pytest.mark.real, requires_reports]


# real_db: the session-scoped database of every real report (tests/real/conftest.py)


def test_every_readable_report_ingested_and_bad_ones_reported(real_db):
    db, result = real_db
    truth = load_verified(REPORTS / "metadata-verified.csv")
    unreadable = {str((REPORTS / f / n).resolve()) for (f, n), r in truth.items() if r["readable"] != "yes"}
    failed = dict(result.failed)
    assert set(failed) == unreadable
    for p in unreadable:
        assert "HTML web page saved with a .pdf name" in failed[p]
    assert len(result.added) + len(result.unchanged) == len(truth) - len(unreadable)


def test_metadata_matches_verified_file(real_db):
    db, _ = real_db
    truth = load_verified(REPORTS / "metadata-verified.csv")
    con = om.open_db(db)
    rows = {}
    for v in om.visits(con):
        p = Path(v["source"])
        j = v["judgements"]
        rows[(p.parent.name, p.name)] = {
            "readable": "yes",
            "framework": v["framework"] or "",
            "la_name": v["la_name_printed"] or "",
            "start_date": v["start_date"] or "",
            "end_date": v["end_date"] or "",
            "lead_inspector": v["lead_inspector"] or "",
            **{
                g: ("" if j.get(g) == "not judged" else j.get(g, ""))
                for g in ("overall", "leaders", "help_protection", "in_care", "care_leavers", "adoption")
            },
        }
    for (f, n), t in truth.items():
        if t["readable"] != "yes":
            rows[(f, n)] = {"readable": "no"}
    stats, dis = compare_rows(truth, rows)
    right = sum(stats[f]["right"] for f in FIELDS)
    total = sum(stats[f]["right"] + stats[f]["wrong"] + stats[f]["missing"] for f in FIELDS)
    assert right / total >= 0.995, "\n".join(dis[:40])
    for v in om.visits(con):
        assert v["kind"] == "inspection" and v["la_urn"] and v["start_date"] and v["end_date"], v["source"]
        assert v["lead_inspector"], v["source"]
        if v["framework"] in ("ilacs", "sif"):
            assert v["judgements"], v["source"]


def test_findings_cite_back_to_their_text(real_db):
    db, _ = real_db
    con = sqlite3.connect(db)
    bad = con.execute("""SELECT COUNT(*) FROM findings f JOIN documents d ON d.id = f.doc_id
                         WHERE substr(d.text, f.start + 1, f."end" - f.start) != f.text""").fetchone()[0]
    n = con.execute("SELECT COUNT(*) FROM findings").fetchone()[0]
    assert n > 30000 and bad == 0
    # no quote carries the PDF's odd characters
    odd = con.execute(
        "SELECT COUNT(*) FROM findings WHERE text GLOB '*[\uf000-\uf8ff\ufffe\u00ad]*'"
    ).fetchone()[0]
    assert odd == 0


def test_quotes_query_on_real_reports(real_db):
    db, _ = real_db
    con = om.open_db(db)
    res = om.quotes(con, "management oversight", la="Barnsley", limit=5)
    assert res and all(q.la == "Barnsley" and "oversight" in q.text.lower() for q in res)
    assert all(q.page >= 1 and q.paragraph for q in res)


def _snapshot(db):
    con = sqlite3.connect(db)
    out = (
        con.execute("SELECT sha256, visit_id, kind FROM documents ORDER BY sha256").fetchall(),
        con.execute(
            "SELECT d.sha256, f.seq, f.text FROM findings f JOIN documents d ON d.id = f.doc_id ORDER BY 1, 2"
        ).fetchall(),
        con.execute("SELECT COUNT(*) FROM findings_fts").fetchone(),
    )
    con.close()
    return out


def test_killed_ingest_then_rerun_equals_uninterrupted(tmp_path):
    folders = sorted(p for p in REPORTS.iterdir() if p.is_dir())[:6]
    clean, killed = tmp_path / "clean.db", tmp_path / "killed.db"
    om.ingest(folders, clean)
    cmd = [sys.executable, "-m", "ofsted_mine.cli", "ingest", *map(str, folders), "--db", str(killed)]
    for delay in (1.0, 2.0):
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    om.ingest(folders, killed)
    assert _snapshot(killed) == _snapshot(clean)


def _every_council(real_db, column: str):
    """(connection, every distinct value of documents.<column>) of the real-report database; at least 70."""
    con = om.open_db(real_db[0])
    values = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT {column} FROM documents WHERE {column} IS NOT NULL ORDER BY {column}"
        )
    ]
    assert len(values) >= 70
    return con, values


def test_timeline_track_and_benchmark_for_every_council(real_db):
    from ofsted_mine.analyse.benchmark import benchmark
    from ofsted_mine.analyse.timeline import timeline, track

    con, urns = _every_council(real_db, "la_urn")
    for urn in urns:
        tl = timeline(con, urn)
        assert tl.visits and all(v.kind == "inspection" for v in tl.visits)
        assert [v.date for v in tl.visits] == sorted(v.date for v in tl.visits)
        tr = track(con, "drift_delay", urn)
        from ofsted_mine.vocab import TRENDS

        assert tr.trend in TRENDS and tr.trend == tl.trends["drift_delay"]
        assert (
            not tl.window or tl.window[-1] == tl.visits[-1].id
        )  # the default window reaches the latest report
    b = benchmark(con, "Barnsley")
    assert b["councils_compared"] >= 60 and b["neighbours"]


def test_readiness_pack_for_every_council(real_db, tmp_path):
    from ofsted_mine.report.html import readiness_html
    from ofsted_mine.report.markdown import readiness_markdown

    con, councils = _every_council(real_db, "la")
    for la in councils:
        html = readiness_html(con, la)
        assert (
            html.startswith("<!DOCTYPE html>")
            and la.replace("&", "&amp;") in html
            and "<script" not in html.lower()
        )
        md = readiness_markdown(con, la)
        assert md.lstrip().startswith("#")


def test_council_papers_from_the_seeds_are_never_ofsted_findings(tmp_path):
    seeds = REPORTS.parent / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds not present")
    db = tmp_path / "seeds.db"
    r = om.ingest([seeds], db, workers=1)
    assert not r.failed and len(r.added) == len(list(seeds.glob("*.txt")))
    con = om.open_db(db)
    vs = om.visits(con)
    assert {v["kind"] for v in vs} == {"council_paper"} and {v["la"] for v in vs} == {"Croydon"}
    assert om.quotes(con, "monitoring visit") == []
    assert om.quotes(con, "monitoring visit", include_papers=True)


def test_every_view_agrees_with_the_library_for_every_council(real_db, tmp_path, monkeypatch):
    """Issue 11: terminal, JSON, CSV, Markdown, the HTML and Markdown packs and the XLSX timeline say,
    cell by cell, what the library computed, for every council of the real reports; and the rules
    hold (no "no concerns" cell with concerns, "resolved"/"not examined since"/"persistent" only
    when true, the default window reaches the latest document)."""
    import ofsted_mine.report.html as html_mod
    import ofsted_mine.report.pack as pack_mod
    from ofsted_mine.report.export import _write_xlsx, timelines
    from ofsted_mine.report.markdown import readiness_markdown

    from ..agreement import check_council, xlsx_timeline_rows

    con, councils = _every_council(real_db, "la")
    out = tmp_path / "timelines.xlsx"
    _write_xlsx(out, [], [], timelines(con))  # the timeline sheet of `export --format xlsx`
    rows = xlsx_timeline_rows(out)
    # the follow-up has its own tests; the grid and trends do not depend on it
    monkeypatch.setattr(pack_mod, "_followup", lambda con, la, since: (None, "not computed in this test"))
    bad = []
    for la in councils:
        data = html_mod.pack_data(con, la)
        bad += check_council(
            con,
            la,
            html_page=html_mod.readiness_html(con, la, data=data),
            md_page=readiness_markdown(con, la, data=data),
            xlsx_rows=rows,
        )
    assert bad == [], "\n".join(bad[:30])


def test_journeys_follow_the_verified_inspections(real_db):
    """Each real report is a full inspection: each opens a journey and closes the one before; the
    journeys' frameworks (and SIF -> ILACS changes) are those of the verified metadata."""
    import csv

    from ofsted_mine.analyse.timeline import timeline

    con, urns = _every_council(real_db, "la_urn")
    verified = {}
    with open(REPORTS / "metadata-verified.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["readable"] == "yes":
                verified[(r["folder"].split("_")[0], r["start_date"])] = r["framework"]
    for urn in urns:
        tl = timeline(con, urn)
        assert len(tl.journeys) == len(tl.visits) and tl.journeys[-1].current
        assert [j.opened_by for j in tl.journeys] == [v.id for v in tl.visits]
        for j, nxt in zip(tl.journeys, tl.journeys[1:]):
            assert j.closed_by == nxt.opened_by and j.visits == [j.opened_by, j.closed_by]
        for j in tl.journeys:
            start = tl.visit(j.opened_by).date
            assert j.framework == verified[(str(urn), start)], (urn, start)
            if j.closed_by:
                assert j.framework_change == (verified[(str(urn), tl.visit(j.closed_by).date)] != j.framework)
        # the trends follow the journey that the latest report closes (or the only one)
        assert tl.window[-1] == tl.visits[-1].id and len(tl.window) == min(2, len(tl.visits))


def test_every_finding_cites_the_page_where_its_sentence_starts(real_db):
    """Issue 12, item 4: each finding's first words are printed on its cited page, as pdfium reads
    that page's own text layer. Sentences whose start the cleaner changed (a removed running header
    inside them, a footnote marker taken off a word) would be 'unfound': they are counted too."""
    from ofsted_mine.evaluate_cite import CiteResult, check_findings

    db, _ = real_db
    con = sqlite3.connect(db)
    by_doc: dict = {}
    for path, page, text in con.execute(
        "SELECT d.path, f.page, f.text FROM findings f JOIN documents d ON d.id = f.doc_id "
        "ORDER BY d.id, f.seq"
    ):
        by_doc.setdefault(path, []).append((page, text))
    res = CiteResult()
    for path, findings in by_doc.items():
        check_findings(path, findings, res)
    print(
        f"\npage citations: {res.right} of {res.checked} findings on the page where the sentence starts "
        f"({100 * res.right / res.checked:.2f}%); {len(res.wrong)} on another page; "
        f"{len(res.unfound)} unfound"
    )
    assert res.checked > 30000 and len(by_doc) >= 240
    assert not res.wrong, res.wrong[:10]
    assert not res.unfound, res.unfound[:10]


@pytest.mark.slow
def test_board_and_full_pack_page_counts_for_every_council(real_db, tmp_path):
    """Printed by chromium to A4: the board pack of every real council fits 4 pages, the full pack 40.
    Two browsers print side by side (2 cores); the pages of the worst councils are in the message."""
    from concurrent.futures import ThreadPoolExecutor

    from ofsted_mine.report.html import write_readiness

    from ..browser import driver_page_count, make_driver

    con, councils = _every_council(real_db, "la")
    files = []
    for i, la in enumerate(councils):
        files.append((la, "board", write_readiness(con, la, tmp_path / f"{i}-board.html")))
        files.append((la, "full", write_readiness(con, la, tmp_path / f"{i}-full.html", full=True)))
    drivers = [make_driver(), make_driver()]
    try:
        halves = [
            files[k::4] + files[k + 1 :: 4] for k in (0, 2)
        ]  # alternate councils: both packs of one council per browser

        def run(k):
            return [(la, kind, driver_page_count(drivers[k], p)) for la, kind, p in halves[k]]

        with ThreadPoolExecutor(2) as ex:
            counts = [r for part in ex.map(run, (0, 1)) for r in part]
    finally:
        for d in drivers:
            d.quit()
    board = sorted(((n, la) for la, kind, n in counts if kind == "board"), reverse=True)
    full = sorted(((n, la) for la, kind, n in counts if kind == "full"), reverse=True)
    assert len(board) == len(full) == len(councils)
    assert board[0][0] <= 4, f"board packs over 4 pages: {[b for b in board if b[0] > 4]}"
    assert full[0][0] <= 40, f"full packs over 40 pages: {[f for f in full if f[0] > 40]}"
    assert min(n for n, _ in board) >= 1


def test_every_real_report_is_filed_under_its_own_council(real_db):
    """The council comes from the printed title alone (never an address or the body), and
    every council of the 248 readable reports is in the table: each lands in its folder's URN."""
    db, _ = real_db
    con = om.open_db(db)
    rows = con.execute("SELECT path, la_urn, warnings FROM documents").fetchall()
    assert len(rows) >= 240
    for r in rows:
        assert Path(r["path"]).parent.name.split("_")[0] == r["la_urn"], (r["path"], r["la_urn"])
        assert "council table" not in r["warnings"] and "no council name" not in r["warnings"], r["path"]
