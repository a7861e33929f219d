"""`export`: findings with tags and citations, and the timeline grid, as csv, xlsx and json."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ofsted_mine as om
from ofsted_mine.cli import app
from ofsted_mine.report.export import FINDING_FIELDS, TIMELINE_FIELDS, export_findings, guard_formula

from .test_readiness import build_corpus_db, copy_db, set_finding_text

# the bundled corpus as its truth file records it: Ofsted documents (timeline columns) and councils
_TRUTH = json.loads((Path(__file__).resolve().parent.parent / "corpus" / "truth.json").read_text("utf-8"))
N_VISITS = sum(1 for t in _TRUTH if t["kind"] != "council_paper")
COUNCILS = sorted({(t["la"], t["la_urn"]) for t in _TRUTH})

REQUIRED = [
    "visit_id",
    "la",
    "la_urn",
    "kind",
    "date",
    "section",
    "paragraph",
    "page",
    "source",
    "text",
    "polarity",
    "themes",
    "theme_scores",
    "citation",
]


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory) -> Path:
    return build_corpus_db(tmp_path_factory)


def _counts(db, urn=None):
    con = om.open_db(db)
    q = "SELECT COUNT(*) FROM findings f JOIN documents d ON d.id = f.doc_id"
    return con.execute(q + (" WHERE d.la_urn = ?" if urn else ""), (urn,) if urn else ()).fetchone()[0]


def _themes():
    from ofsted_mine.tag.taxonomy import load_taxonomy

    return load_taxonomy().ids


def _read_csv(p: Path) -> list[dict]:
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads the accents
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv(corpus_db, tmp_path):
    con = om.open_db(corpus_db)
    res = export_findings(con, tmp_path / "f.csv", "csv")
    rows = _read_csv(tmp_path / "f.csv")
    assert res["findings"] == len(rows) == _counts(corpus_db)
    cols = list(rows[0])
    assert cols[: len(FINDING_FIELDS)] == FINDING_FIELDS and set(REQUIRED) <= set(cols)
    assert cols[len(FINDING_FIELDS) :] == [f"score_{t}" for t in _themes()]
    tagged = next(
        r for r in rows if r["themes"] and r["la"] == "Wyvern Vale" and r["kind"] == "monitoring_visit"
    )
    first = tagged["themes"].split("; ")[0]
    assert tagged[f"score_{first}"] and f"{first}:" in tagged["theme_scores"]
    assert (
        tagged["citation"].startswith("Wyvern Vale, monitoring visit ")
        and f"p. {tagged['page']}" in tagged["citation"]
    )
    assert {r["ofsted_finding"] for r in rows} == {"yes", "no"}  # the council paper's sentences are marked
    assert all(r["ofsted_finding"] == "no" for r in rows if r["kind"] == "council_paper")
    tl = _read_csv(tmp_path / "f-timeline.csv")
    assert list(tl[0]) == TIMELINE_FIELDS
    assert res["timeline_rows"] == len(tl) == len(_themes()) * N_VISITS  # every Ofsted document of the corpus
    drift = {r["trend"] for r in tl if r["la"] == "Wyvern Vale" and r["theme"] == "drift_delay"}
    assert drift == {"persistent concern"}


def test_la_filter_and_json(corpus_db, tmp_path):
    con = om.open_db(corpus_db)
    res = export_findings(con, tmp_path / "kb.json", "json", la="Kestrel Bay")
    doc = json.loads((tmp_path / "kb.json").read_text(encoding="utf-8"))
    assert res["findings"] == len(doc["findings"]) == _counts(corpus_db, "990003") > 0
    assert {f["la"] for f in doc["findings"]} == {"Kestrel Bay"}
    assert set(FINDING_FIELDS) <= set(doc["findings"][0])
    f = next(f for f in doc["findings"] if f["themes"])
    assert isinstance(f["themes"], list) and set(f["theme_scores"]) == set(f["themes"])
    assert [t["la"] for t in doc["timelines"]] == ["Kestrel Bay"]
    t = doc["timelines"][0]
    assert {"visits", "themes", "cells", "journey"} <= set(t) and len(t["visits"]) == 1
    res = export_findings(con, tmp_path / "all.json", None)  # format from the suffix
    doc = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert len(doc["findings"]) == _counts(corpus_db) and len(doc["timelines"]) == len(COUNCILS)
    with pytest.raises(ValueError, match="unknown council"):
        export_findings(con, tmp_path / "x.json", "json", la="Atlantis")
    with pytest.raises(ValueError, match="format"):
        export_findings(con, tmp_path / "x.txt", None)


def test_xlsx(corpus_db, tmp_path):
    from openpyxl import load_workbook

    con = om.open_db(corpus_db)
    res = export_findings(con, tmp_path / "f.xlsx", "xlsx")
    wb = load_workbook(tmp_path / "f.xlsx", read_only=True)
    assert wb.sheetnames == ["findings", "timeline"]
    rows = list(wb["findings"].iter_rows(values_only=True))
    assert rows[0][: len(FINDING_FIELDS)] == tuple(FINDING_FIELDS)
    assert len(rows) - 1 == res["findings"] == _counts(corpus_db)
    grid = [r for r in wb["timeline"].iter_rows(values_only=True)]
    titles = [r[0] for r in grid if r and isinstance(r[0], str) and "(URN " in r[0]]
    assert titles == [f"{la} (URN {urn})" for la, urn in COUNCILS]
    drift = next(r for r in grid if r and r[0] == "Drift, delay and timeliness")
    assert any(str(c).startswith(("concern", "mixed", "no concerns", "not examined")) for c in drift[2:] if c)


def test_formula_injection_guard(corpus_db, tmp_path):
    from openpyxl import load_workbook

    db = copy_db(corpus_db, tmp_path / "evil.db")
    con = om.open_db(db)
    ids = [
        r[0]
        for r in con.execute(
            "SELECT f.id FROM findings f JOIN documents d ON d.id = f.doc_id "
            "WHERE d.la_urn = '990003' ORDER BY f.id LIMIT 5"
        )
    ]
    evil = [
        '=HYPERLINK("http://evil.example","click")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
    ]
    for i, t in zip(ids, evil):
        set_finding_text(con, i, t)
    export_findings(con, tmp_path / "e.csv", "csv", la="Kestrel Bay")
    by_id = {int(r["finding_id"]): r for r in _read_csv(tmp_path / "e.csv")}
    for i, t in zip(ids, evil):
        assert by_id[i]["text"] == "'" + t
    assert all(not str(v).startswith(("=", "+", "@")) for r in by_id.values() for v in r.values())
    export_findings(con, tmp_path / "e.xlsx", "xlsx", la="Kestrel Bay")
    ws = load_workbook(tmp_path / "e.xlsx")["findings"]
    col = [c.value for c in ws[1]].index("text") + 1
    cells = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=col) for r in range(2, ws.max_row + 1)}
    for i, t in zip(ids, evil):
        assert cells[i].data_type == "s" and cells[i].value == t  # text, never a formula
    assert guard_formula(-3) == -3 and guard_formula("Plans") == "Plans"


def test_export_command(corpus_db, tmp_path):
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "export",
            "--db",
            str(corpus_db),
            "--format",
            "csv",
            "--la",
            "Eastmere",
            "-o",
            str(tmp_path / "e.csv"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert f"exported {_counts(corpus_db, '990002')} findings" in r.stdout
    assert (tmp_path / "e-timeline.csv").exists()
    r = runner.invoke(app, ["export", "--db", str(corpus_db), "-o", str(tmp_path / "all.xlsx")])
    assert r.exit_code == 0 and (tmp_path / "all.xlsx").exists()
    r = runner.invoke(
        app, ["export", "--db", str(corpus_db), "--format", "json", "-o", "-", "--la", "Kestrel Bay"]
    )
    assert r.exit_code == 0
    assert len(json.loads(r.stdout)["findings"]) == _counts(corpus_db, "990003")
    for args, msg in (
        (["-o", str(tmp_path / "x.txt")], "--format csv, xlsx or json"),
        (["-o", str(tmp_path / "x.csv"), "--la", "Atlantis"], "unknown council"),
        (["-o", "-", "--format", "xlsx"], "standard output"),
    ):
        r = runner.invoke(app, ["export", "--db", str(corpus_db), *args])
        assert r.exit_code == 1 and r.stderr.startswith("error: ") and msg in r.stderr, r.stderr
    r = runner.invoke(app, ["export", "--db", str(tmp_path / "none.db"), "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 1 and "no database" in r.stderr
