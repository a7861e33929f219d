"""Issue 14: tags measured in context, context rules, corrections kept, REFI-QDA formats."""
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ofsted_mine.cli import app
from ofsted_mine.tag.evaluate import score
from ofsted_mine.tag.incontext import evaluate_in_context, locate

runner = CliRunner()
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def corpus_gold(prefix: str = "eastmere-01") -> list[dict]:
    """The sample corpus's labelled sentences of one fictional report, as a gold file
    naming its report (a PDF under corpus/pdf)."""
    out = []
    for line in (CORPUS / "annotations" / "corpus-labels.jsonl").read_text("utf-8").splitlines():
        d = json.loads(line)
        if d["id"].startswith(prefix):
            src = Path(d["source"])  # sources/<council>/<name>.txt
            out.append({"id": d["id"], "report": f"{src.parent.name}/{src.stem}.pdf", "text": d["text"],
                        "themes": d["themes"], "polarity": d["polarity"]})
    return out


@pytest.fixture(scope="module")
def eastmere_in_context(tmp_path_factory):
    gold = corpus_gold()
    db = tmp_path_factory.mktemp("ctx") / "ctx.db"
    return gold, evaluate_in_context(gold, CORPUS / "pdf", db=db, workers=1), db


def test_locate_ignores_quotes_case_and_line_breaks():
    doc = "Heading\nThe council’s  plans\nare ‘good’. Next one."
    a, z = locate(doc, "The council's plans are 'GOOD'.")
    assert doc[a:z] == "The council’s  plans\nare ‘good’."
    assert locate(doc, "Nothing like this") is None


def test_in_context_scores_the_stored_tags(eastmere_in_context):
    gold, m, db = eastmere_in_context
    assert m["n"] == len(gold) > 20
    assert m["found"] >= 0.9 * len(gold)
    assert m["found"] + m["not_finding"] + m["not_found"] == len(gold)
    # the figures are exactly the score of the labels stored in the database
    import sqlite3
    con = sqlite3.connect(db)
    pred = []
    for r in m["rows"]:
        if r["finding_id"] is None:
            pred.append({"themes": [], "polarity": "neutral"})
            continue
        pol = con.execute("SELECT polarity FROM findings WHERE id=?", (r["finding_id"],)).fetchone()[0]
        themes = [t for (t,) in con.execute("SELECT theme FROM tags WHERE finding_id=?", (r["finding_id"],))]
        pred.append({"themes": themes, "polarity": pol or "neutral"})
    s = score(gold, pred, [t for t in m["per_theme"]])
    assert s["theme_micro_f1"] == m["theme_micro_f1"] and s["polarity_accuracy"] == m["polarity_accuracy"]


def test_evaluate_in_context_cli(tmp_path):
    gold = corpus_gold("eastmere-01-")[:6]
    g = tmp_path / "gold.jsonl"
    g.write_text("\n".join(json.dumps(x) for x in gold) + "\n")
    r = runner.invoke(app, ["evaluate", str(g), "--in-context", "--reports", str(CORPUS / "pdf"), "--format", "json",
                            "--rows", str(tmp_path / "rows.jsonl")])
    assert r.exit_code == 0, r.output
    m = json.loads(r.stdout)
    assert m["n"] == 6 and m["found"] + m["not_finding"] + m["not_found"] == 6
    assert len((tmp_path / "rows.jsonl").read_text().splitlines()) == 6
    bad = tmp_path / "nogold.jsonl"
    bad.write_text(json.dumps({"id": "x", "text": "a", "themes": [], "polarity": "neutral"}) + "\n")
    r = runner.invoke(app, ["evaluate", str(bad), "--in-context", "--reports", str(CORPUS / "pdf")])
    assert r.exit_code == 1 and "report" in r.output
