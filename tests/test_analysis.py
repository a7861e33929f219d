"""Themes across visits on the bundled corpus, whose storylines we wrote (corpus/storylines.json)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ofsted_mine as om
from ofsted_mine.analyse.benchmark import benchmark
from ofsted_mine.analyse.followup import followup
from ofsted_mine.analyse.timeline import compare, timeline, track, trend
from ofsted_mine.cli import app
from ofsted_mine.tag.tagger import default_model_path

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
STORY = json.loads((CORPUS / "storylines.json").read_text())
NAMES = {"wyvern-vale": "Wyvern Vale", "eastmere": "Eastmere"}
runner = CliRunner()


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("corpus") / "corpus.db"
    r = om.ingest([CORPUS / "pdf"], db)
    assert not r.failed
    return db


@pytest.fixture(scope="module")
def labelled_db(tmp_path_factory, corpus_db):
    """The corpus with our own hand labels in place of the tagger's: tests the analysis alone."""
    import shutil
    import sqlite3

    db = tmp_path_factory.mktemp("labelled") / "labelled.db"
    shutil.copy(corpus_db, db)
    truth = {t["source"]: t["pdf"] for t in json.loads((CORPUS / "truth.json").read_text())}
    labels = [
        json.loads(l) for l in (CORPUS / "annotations" / "corpus-labels.jsonl").read_text().splitlines()
    ]
    con = sqlite3.connect(db)
    con.execute("DELETE FROM tags")
    con.execute("UPDATE findings SET polarity = 'neutral'")
    for l in labels:
        path = str((CORPUS / truth[l["source"]]).resolve())
        for (fid,) in con.execute(
            "SELECT f.id FROM findings f JOIN documents d ON d.id = f.doc_id WHERE d.path = ? AND f.text = ?",
            (path, l["text"]),
        ).fetchall():
            con.execute("UPDATE findings SET polarity = ? WHERE id = ?", (l["polarity"], fid))
            con.executemany(
                "INSERT INTO tags (finding_id, theme, score, source, cues) VALUES (?, ?, 1.0, 'label', '[]')",
                [(fid, t) for t in l["themes"]],
            )
    con.commit()
    con.close()
    return db


@pytest.mark.parametrize(
    "seq,expected",
    [
        (["concern", "concern", "mixed", "concern"], "persistent"),
        (["concern", "mixed", "strength", "strength"], "resolved"),
        (["concern", "concern", "strength", "mixed"], "improving"),
        # the rule: "resolved" = concerns, then a judged visit with none (one such visit is enough)
        (["concern", "concern", "concern", "strength"], "resolved"),
        (["mixed", "strength"], "improving"),  # never a concern verdict: not "resolved"
        (["mixed", "mixed", "concern"], "emerging"),  # the first concern verdict
        (["concern", "too_little", "strength"], "resolved"),  # too little evidence is not judged
        (["concern", "too_little"], "not_enough_evidence"),
        (["mostly_strength", "strength"], "consistent_strength"),
        (["mixed", "mixed"], "steady"),
        (["strength", "mixed"], "deteriorating"),
        (["strength", "not_examined", "strength", "concern", "concern"], "emerging"),
        (["concern", "strength", "strength", "concern"], "deteriorating"),
        (["strength", "strength"], "consistent_strength"),
        (["concern", "not_examined", "examined_silent"], "not_enough_evidence"),
    ],
)
def test_trend_rule(seq, expected):
    assert trend(seq) == expected


def _check_story(db):
    con = om.open_db(db)
    wrong = []
    for slug, themes in STORY.items():
        la = NAMES[slug]
        tl = timeline(con, la)
        mvs = [v for v in tl.visits if v.kind == "monitoring_visit"]
        for theme, expected in themes.items():
            if expected == "not_examined":
                cells = [tl.cells[theme][v.id].verdict for v in mvs]
                if any(c not in ("not_examined", "examined_silent") for c in cells):
                    wrong.append(
                        f"{la} {theme}: expected not examined in every monitoring visit, got {cells}"
                    )
            else:
                got = track(con, theme, la).trend
                if got != expected:
                    wrong.append(f"{la} {theme}: expected {expected}, got {got}")
    return wrong


def test_storylines_from_hand_labels(labelled_db):
    assert _check_story(labelled_db) == []


def test_storylines_from_the_shipped_tagger(corpus_db):
    if default_model_path() is None:
        pytest.skip("no trained model in models/")
    assert _check_story(corpus_db) == []


def test_timeline_grid_and_journey(corpus_db):
    con = om.open_db(corpus_db)
    tl = timeline(con, "Wyvern Vale")
    kinds = [v.kind for v in tl.visits]
    assert kinds == ["inspection"] + ["monitoring_visit"] * 6 + ["inspection"]
    assert [v.date for v in tl.visits] == sorted(v.date for v in tl.visits)
    assert tl.journey[0].endswith("inadequate") and tl.journey[-1].endswith("requires improvement")
    assert len(tl.themes) == 17 and all(len(row) == 8 for row in tl.cells.values())
    c = tl.cells["drift_delay"][tl.visits[0].id]
    assert c.concern > 0 and c.verdict == "concern"


def test_compare_two_visits(corpus_db):
    con = om.open_db(corpus_db)
    vs = [v["id"] for v in om.visits(con, la="Eastmere", kind="monitoring_visit")]
    res = compare(con, vs[0], vs[-1])
    st = {r.theme: r.status for r in res.themes}
    assert st["workforce_stability"] == "persistent concern"
    assert st["exploitation_missing"] == "new concern"
    with pytest.raises(KeyError):
        compare(con, vs[0], "nope")


def test_followup_matrix(corpus_db):
    con = om.open_db(corpus_db)
    res = followup(con, "Eastmere").to_dict()
    assert res["items"] and len(res["visits"]) >= 5
    first = res["items"][0]
    assert first["visit_id"].startswith("eastmere-insp")
    for vid, cell in first["cells"].items():
        assert cell["verdict"] in (
            "met",
            "progressing",
            "not met",
            "repeated",
            "no specific evidence",
            "not examined",
        )
        for ev in cell["evidence"]:
            assert ev["visit_id"] == vid and ev["citation"].startswith("Eastmere")


def test_benchmark_against_others(corpus_db):
    con = om.open_db(corpus_db)
    res = benchmark(con, "Wyvern Vale", min_findings=10)
    others = {t["la_urn"] for t in json.loads((CORPUS / "truth.json").read_text()) if t["la_urn"] != 990001}
    assert res["councils_compared"] == len(others) and set(res["neighbours"]) == {"Eastmere", "Kestrel Bay"}
    row = next(r for r in res["themes"] if r["theme"] == "workforce_stability")
    assert row["rate"] > 0 and row["neighbours_mean"] is not None
    # the region: the other compared councils that the table puts in Wyvern Vale's region
    from ofsted_mine.councils import by_urn

    region = by_urn("990001").region
    same = sorted(by_urn(str(u)).name for u in others if by_urn(str(u)).region == region)
    assert res["region"] == region and res["region_councils"] == same
    assert (row["region_mean"] is None) == (not same)


def test_cli_timeline_track_compare(corpus_db):
    db = str(corpus_db)
    r = runner.invoke(app, ["timeline", "--la", "Wyvern Vale", "--db", db, "--format", "json"])
    d = json.loads(r.stdout)
    assert d["la"] == "Wyvern Vale" and len(d["visits"]) == 8
    r = runner.invoke(app, ["timeline", "--la", "Wyvern Vale", "--db", db, "--format", "csv"])
    assert r.stdout.splitlines()[1].startswith("overall verdict,")
    r = runner.invoke(app, ["timeline", "--la", "Wyvern Vale", "--db", db, "--format", "markdown"])
    assert "| drift_delay |" in r.stdout
    r = runner.invoke(app, ["track", "drift_delay", "--la", "Wyvern Vale", "--db", db])
    assert r.exit_code == 0 and "trend:" in r.stdout and "Wyvern Vale, monitoring visit" in r.stdout
    r = runner.invoke(app, ["track", "no_such_theme", "--la", "Wyvern Vale", "--db", db])
    assert r.exit_code == 2 and "unknown theme" in r.stderr and "drift_delay" in r.stderr  # a usage error
    r = runner.invoke(app, ["timeline", "--la", "Atlantis", "--db", db])
    assert r.exit_code == 1 and "unknown council" in r.stderr
