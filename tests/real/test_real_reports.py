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


@pytest.fixture(scope="session")
def real_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("real") / "real.db"
    result = om.ingest([REPORTS], db)
    return db, result


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
            "readable": "yes", "framework": v["framework"] or "", "la_name": v["la_name_printed"] or "",
            "start_date": v["start_date"] or "", "end_date": v["end_date"] or "", "lead_inspector": v["lead_inspector"] or "",
            **{g: ("" if j.get(g) == "not judged" else j.get(g, "")) for g in
               ("overall", "leaders", "help_protection", "in_care", "care_leavers", "adoption")}}
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
    odd = con.execute("SELECT COUNT(*) FROM findings WHERE text GLOB '*[\uf000-\uf8ff\ufffe\u00ad]*'").fetchone()[0]
    assert odd == 0


def test_quotes_query_on_real_reports(real_db):
    db, _ = real_db
    con = om.open_db(db)
    res = om.quotes(con, "management oversight", la="Barnsley", limit=5)
    assert res and all(q.la == "Barnsley" and "oversight" in q.text.lower() for q in res)
    assert all(q.page >= 1 and q.paragraph for q in res)


def _snapshot(db):
    con = sqlite3.connect(db)
    out = (con.execute("SELECT sha256, visit_id, kind FROM documents ORDER BY sha256").fetchall(),
           con.execute("SELECT d.sha256, f.seq, f.text FROM findings f JOIN documents d ON d.id = f.doc_id ORDER BY 1, 2").fetchall(),
           con.execute("SELECT COUNT(*) FROM findings_fts").fetchone())
    con.close()
    return out


def test_killed_ingest_then_rerun_equals_uninterrupted(tmp_path):
    folders = sorted(p for p in REPORTS.iterdir() if p.is_dir())[:6]
    clean, killed = tmp_path / "clean.db", tmp_path / "killed.db"
    om.ingest(folders, clean)
    cmd = [sys.executable, "-m", "ofsted_mine.cli", "ingest", *map(str, folders), "--db", str(killed)]
    for delay in (1.0, 2.0):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    om.ingest(folders, killed)
    assert _snapshot(killed) == _snapshot(clean)


def _every_council(real_db, column: str):
    """(connection, every distinct value of documents.<column>) of the real-report database; at least 70."""
    con = om.open_db(real_db[0])
    values = [r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM documents WHERE {column} IS NOT NULL "
                                        f"ORDER BY {column}")]
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
        assert not tl.window or tl.window[-1] == tl.visits[-1].id   # the default window reaches the latest report
    b = benchmark(con, "Barnsley")
    assert b["councils_compared"] >= 60 and b["neighbours"]


def test_readiness_pack_for_every_council(real_db, tmp_path):
    from ofsted_mine.report.html import readiness_html
    from ofsted_mine.report.markdown import readiness_markdown
    con, councils = _every_council(real_db, "la")
    for la in councils:
        html = readiness_html(con, la)
        assert html.startswith("<!DOCTYPE html>") and la.replace("&", "&amp;") in html and "<script" not in html.lower()
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
    from ofsted_mine.report.export import _write_xlsx, timelines
    from ofsted_mine.report.markdown import readiness_markdown

    from ..agreement import check_council, xlsx_timeline_rows
    con, councils = _every_council(real_db, "la")
    out = tmp_path / "timelines.xlsx"
    _write_xlsx(out, [], [], timelines(con))          # the timeline sheet of `export --format xlsx`
    rows = xlsx_timeline_rows(out)
    # the follow-up has its own tests; the grid and trends do not depend on it
    monkeypatch.setattr(html_mod, "_followup", lambda con, la, since: (None, "not computed in this test"))
    bad = []
    for la in councils:
        data = html_mod.pack_data(con, la)
        bad += check_council(con, la, html_page=html_mod.readiness_html(con, la, data=data),
                             md_page=readiness_markdown(con, la, data=data), xlsx_rows=rows)
    assert bad == [], "\n".join(bad[:30])


def test_every_finding_cites_the_page_where_its_sentence_starts(real_db):
    """Issue 12, item 4: each finding's first words are printed on its cited page, as pdfium reads
    that page's own text layer. Sentences whose start the cleaner changed (a removed running header
    inside them, a footnote marker taken off a word) would be 'unfound': they are counted too."""
    from ofsted_mine.evaluate_cite import CiteResult, check_findings
    db, _ = real_db
    con = sqlite3.connect(db)
    by_doc: dict = {}
    for path, page, text in con.execute(
            "SELECT d.path, f.page, f.text FROM findings f JOIN documents d ON d.id = f.doc_id ORDER BY d.id, f.seq"):
        by_doc.setdefault(path, []).append((page, text))
    res = CiteResult()
    for path, findings in by_doc.items():
        check_findings(path, findings, res)
    print(f"\npage citations: {res.right} of {res.checked} findings on the page where the sentence starts "
          f"({100 * res.right / res.checked:.2f}%); {len(res.wrong)} on another page; {len(res.unfound)} unfound")
    assert res.checked > 30000 and len(by_doc) >= 240
    assert not res.wrong, res.wrong[:10]
    assert not res.unfound, res.unfound[:10]
