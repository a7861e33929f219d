"""The recommendation follow-up on the bundled corpus (fictional councils) and its views."""

import csv
import json
import sqlite3

import pytest
from typer.testing import CliRunner

import ofsted_mine as om
from ofsted_mine.analyse.followup import (
    EVIDENCE_SHOWN,
    JUDGED,
    NOT_EXAMINED,
    NOT_YET,
    REPEATED,
    FollowUp,
    Item,
    followup,
    verdict_of,
)
from ofsted_mine.cli import app
from ofsted_mine.report.actionlog import action_log_rows, guard, write_action_log

from .test_readiness import build_corpus_db

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    return build_corpus_db(tmp_path_factory)


@pytest.fixture(scope="module")
def eastmere(corpus_db):
    return followup(om.open_db(corpus_db), "Eastmere")


def test_items_are_the_recommendations_not_findings(eastmere):
    texts = [i.text for i in eastmere.items]
    assert texts[0].startswith("The quality of plans for children in need")
    assert (
        len(texts)
        == len(
            set(
                (i.visit_id.rsplit("-", 1)[0] if i.visit_id.endswith("-2") else i.visit_id, i.text)
                for i in eastmere.items
            )
        )
        or len(texts) >= 10
    )
    assert all(
        i.addressee == "council" and i.section.startswith("What needs to improve") for i in eastmere.items
    )
    assert [i.ref for i in eastmere.items] == [f"R{k}" for k in range(1, len(eastmere.items) + 1)]


def test_window_runs_to_the_closing_inspection(eastmere):
    first = eastmere.items[0]
    assert first.visit_id.startswith("eastmere-insp-2023")
    assert first.closes and first.closes.startswith("eastmere-insp-2024") and first.later[-1] == first.closes
    assert all(v > first.date for v in (c for c in [eastmere.visits[0].date]))
    last = [i for i in eastmere.items if i.visit_id.startswith("eastmere-insp-2024")]
    assert last and all(not i.later and i.status == NOT_YET and not i.cells for i in last)


def test_verdicts_follow_the_quotes_shown(eastmere, corpus_db):
    con = sqlite3.connect(corpus_db)
    n_cells = 0
    for it in eastmere.items:
        assert set(it.cells) == set(it.later)
        for vid, c in it.cells.items():
            n_cells += 1
            assert len(c.evidence) <= EVIDENCE_SHOWN
            if c.verdict == REPEATED:
                assert c.evidence[0].repeats
            elif c.verdict in JUDGED:
                assert c.verdict == verdict_of([e.polarity for e in c.evidence])
                assert all(set(e.shared_themes) <= set(it.themes) and e.shared_themes for e in c.evidence)
                assert all(e.similarity >= eastmere.similarity_threshold for e in c.evidence)
            else:
                assert not c.evidence
            # "not examined" only when no finding of that visit carries one of the item's themes
            on_theme = con.execute(
                f"""SELECT COUNT(*) FROM findings f JOIN tags t ON t.finding_id = f.id
                    JOIN documents d ON d.id = f.doc_id
                    WHERE d.visit_id = ? AND t.theme IN ({",".join("?" * len(it.themes))})
                      AND f.section_kind NOT IN ('header', 'closing', 'about', 'opening', 'areas_covered')""",
                (vid, *it.themes),
            ).fetchone()[0]
            assert (c.verdict == NOT_EXAMINED) == (on_theme == 0), (it.ref, vid, c.verdict, on_theme)
        judged = [it.cells[v] for v in it.later if it.cells[v].verdict in JUDGED]
        assert it.status == (judged[-1].verdict if judged else NOT_YET)
    assert n_cells >= 20


def test_storylines_hold(eastmere):
    by_text = {i.text: i for i in eastmere.items}
    oversight = next(
        i for t, i in by_text.items() if t.startswith("The frequency and quality of supervision")
    )
    first = oversight.cells[oversight.later[0]]
    assert (
        first.verdict == "not met" and oversight.status == "met"
    )  # weak at MV1, effective by the inspection
    recruit = next(
        i for t, i in by_text.items() if t.startswith("The recruitment and retention of permanent")
    )
    assert recruit.status == REPEATED and recruit.cells[recruit.closes].evidence[0].text.startswith(
        "The recruitment and retention of permanent social workers"
    )


def test_json_shape_kept(corpus_db):
    r = runner.invoke(app, ["followup", "--la", "Eastmere", "--db", str(corpus_db), "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["items"] and d["visits"] and "journeys" in d and d["lscb_items"] == []
    for it in d["items"]:
        assert {"text", "visit_id", "group", "themes", "cells", "status", "rag", "citation"} <= set(it)
        for vid, c in it["cells"].items():
            assert {"verdict", "evidence", "rag"} <= set(c)
            assert all(e["visit_id"] == vid and e["citation"].startswith("Eastmere") for e in c["evidence"])


def test_terminal_output_fits_80_columns_with_words_and_legend(corpus_db):
    r = runner.invoke(app, ["followup", "--la", "Eastmere", "--db", str(corpus_db)], terminal_width=80)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert max(len(x) for x in lines) <= 80
    assert (
        "Legend:" in r.stdout and "[MET]" in r.stdout and "not met" in r.stdout and "[REPEATED]" in r.stdout
    )


def test_action_log_csv_and_xlsx(corpus_db, tmp_path):
    out = tmp_path / "log.csv"
    r = runner.invoke(
        app, ["followup", "--la", "Eastmere", "--db", str(corpus_db), "--format", "csv", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    with open(out, encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    fu = followup(om.open_db(corpus_db), "Eastmere")
    assert len(rows) == 1 + len(fu.items)
    head = rows[0]
    for col in (
        "Recommendation",
        "Source",
        "Group",
        "Themes",
        "Latest status",
        "RAG",
        "Evidence",
        "Owner",
        "Action",
        "Due date",
    ):
        assert col in head
    assert sum(h.startswith("Status: ") for h in head) == len(fu.visits)
    for row, it in zip(rows[1:], fu.items):
        d = dict(zip(head, row))
        assert (
            d["Recommendation"] == it.text
            and d["Latest status"] == it.status
            and d["Owner"] == d["Due date"] == ""
        )
    x = tmp_path / "log.xlsx"
    r = runner.invoke(
        app, ["followup", "--la", "Eastmere", "--db", str(corpus_db), "--format", "xlsx", "-o", str(x)]
    )
    assert r.exit_code == 0, r.output
    from openpyxl import load_workbook

    ws = load_workbook(x).active
    assert ws.max_row == 1 + len(fu.items) and ws.cell(1, 2).value == "Recommendation"
    r = runner.invoke(app, ["followup", "--la", "Eastmere", "--db", str(corpus_db), "--format", "csv"])
    assert r.exit_code == 2 and "-o FILE" in r.stderr


@pytest.mark.parametrize(
    "bad", ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tx", "\rx", "＝1+1", "＋1", "－1", "＠x"]
)
def test_action_log_cells_cannot_run_as_formulas(bad, tmp_path):
    assert guard(bad) == "'" + bad and guard("Plans.") == "Plans." and guard(3) == 3
    it = Item(
        ref="R1",
        text=bad,
        tail=None,
        group=bad,
        addressee="council",
        visit_id="x-insp-2020-01-01",
        kind="inspection",
        date="2020-01-01",
        published=None,
        section=bad,
        paragraph="1",
        page=1,
        citation=bad,
        source=bad,
        themes=[],
    )
    fu = FollowUp(la="Wyvern Vale", la_urn="1", items=[it], lscb_items=[], visits=[])
    for fmt in ("csv", "xlsx"):
        p = write_action_log(fu, tmp_path / f"evil.{fmt}")
        if fmt == "csv":
            with open(p, encoding="utf-8-sig", newline="") as f:
                row = list(csv.reader(f))[1]
        else:
            from openpyxl import load_workbook

            row = [c.value for c in load_workbook(p).active[2]]
        want = ("'" + bad).replace("\r", "\n")  # XML stores a lone CR as a line feed
        assert row[1].replace("\r", "\n") == want and row[3].replace("\r", "\n") == want
    assert action_log_rows(fu)[1][0][1] == bad  # the rows themselves hold the text as printed


def test_verdict_rule_and_windows():
    assert verdict_of(["strength", "strength"]) == "met"
    assert verdict_of(["concern", "mixed"]) == "not met"
    assert verdict_of(["strength", "concern"]) == "progressing"
    assert verdict_of(["mixed"]) == "progressing"
    from ofsted_mine.analyse.followup import _window

    kinds = ["inspection", "monitoring_visit", "focused_visit", "inspection", "monitoring_visit"]
    assert _window(kinds, 0) == [1, 2, 3] and _window(kinds, 2) == [3] and _window(kinds, 3) == [4]
    assert _window(kinds, 0, ["2020-01-01", "2020-01-01", "2020-05-01", "2021-01-01", "2021-06-01"]) == [2, 3]


def test_readiness_pack_renders_the_followup(corpus_db):
    from ofsted_mine.report.html import readiness_html
    from ofsted_mine.report.markdown import readiness_markdown

    con = om.open_db(corpus_db)
    page = readiness_html(con, "Eastmere")
    sec = page[page.index('<section class="followup"') :]
    assert "not available" not in sec and ">repeated</span>" in sec and ">met</span>" in sec
    assert "## Recommendation follow-up" in readiness_markdown(con, "Eastmere")


def test_read_only_database_with_stale_rows_gives_the_same_answer(corpus_db, tmp_path):
    from .test_readiness import copy_db

    db = copy_db(corpus_db, tmp_path / "stale.db")
    con = sqlite3.connect(db)
    con.execute("UPDATE recommendation_docs SET version = 0")  # as after an extractor upgrade
    con.commit()
    con.close()
    want = followup(om.open_db(corpus_db), "Eastmere").to_dict()
    ro = om.open_db(db, create=False)  # every query command opens it so: nothing is written
    got = followup(ro, "Eastmere").to_dict()
    assert [i["text"] for i in got["items"]] == [i["text"] for i in want["items"]]
    assert [i["status"] for i in got["items"]] == [i["status"] for i in want["items"]]
    assert sqlite3.connect(db).execute("SELECT MAX(version) FROM recommendation_docs").fetchone()[0] == 0


def test_not_examined_agrees_with_the_timeline_grid(corpus_db):
    from ofsted_mine.analyse.timeline import timeline

    con = om.open_db(corpus_db)
    for la in ("Eastmere", "Wyvern Vale", "Kestrel Bay"):
        tl = timeline(con, la)
        for it in followup(con, la).items:
            for vid, c in it.cells.items():
                on_grid = sum(
                    tl.cells[t][vid].total for t in it.themes if t in tl.cells and vid in tl.cells[t]
                )
                assert (c.verdict == NOT_EXAMINED) == (on_grid == 0), (la, it.ref, vid, c.verdict, on_grid)


def test_cli_csv_to_stdout_and_usage_errors(corpus_db):
    r = runner.invoke(
        app, ["followup", "--la", "Eastmere", "--db", str(corpus_db), "--format", "csv", "-o", "-"]
    )
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(r.stdout.splitlines()))
    assert rows[0][:2] == ["Ref", "Recommendation"] and len(rows) > 5
    for args in (["--format", "xlsx", "-o", "-"], ["--format", "pdf"], ["--since", "last year"]):
        r = runner.invoke(app, ["followup", "--la", "Eastmere", "--db", str(corpus_db), *args])
        assert r.exit_code == 2 and r.stderr.count("\n") == 1, (args, r.stderr)


def test_board_pack_shows_the_follow_ups_own_latest_status(corpus_db):
    from ofsted_mine.report.board import item_status

    fu = followup(om.open_db(corpus_db), "Eastmere").to_dict()
    later = [v["id"] for v in fu["visits"]]
    for it in fu["items"]:
        assert item_status(it, later) == (it["status"], it["status_visit"])
