"""Issue 14: tags measured in context, context rules, corrections kept, REFI-QDA formats."""

import json
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ofsted_mine.cli import app
from ofsted_mine.tag.evaluate import score
from ofsted_mine.tag.incontext import evaluate_in_context, locate

from .conftest import REPORTS, SHARED, requires_reports

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
            out.append(
                {
                    "id": d["id"],
                    "report": f"{src.parent.name}/{src.stem}.pdf",
                    "text": d["text"],
                    "themes": d["themes"],
                    "polarity": d["polarity"],
                }
            )
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
    r = runner.invoke(
        app,
        [
            "evaluate",
            str(g),
            "--in-context",
            "--reports",
            str(CORPUS / "pdf"),
            "--format",
            "json",
            "--rows",
            str(tmp_path / "rows.jsonl"),
        ],
    )
    assert r.exit_code == 0, r.output
    m = json.loads(r.stdout)
    assert m["n"] == 6 and m["found"] + m["not_finding"] + m["not_found"] == 6
    assert set(m["alone"]) == {"theme_micro_f1", "theme_macro_f1", "polarity_accuracy", "polarity_macro_f1"}
    assert len((tmp_path / "rows.jsonl").read_text().splitlines()) == 6
    bad = tmp_path / "nogold.jsonl"
    bad.write_text(json.dumps({"id": "x", "text": "a", "themes": [], "polarity": "neutral"}) + "\n")
    r = runner.invoke(app, ["evaluate", str(bad), "--in-context", "--reports", str(CORPUS / "pdf")])
    assert r.exit_code == 1 and "report" in r.output


# ---------------------------------------------------------------- context rules
def test_context_rules_fix_the_kinds_of_case_reported():
    from ofsted_mine.tag import Tagger

    tg = Tagger()
    texts = [
        "Ensure that young people leaving care get timely help with their housing.",
        "The timely and effective matching of children with adopters has declined.",
        "Services for children in Eastmere have declined since the last inspection, when they were judged "
        "to be good.",
        "The quality of assessments has deteriorated since the last visit.",
        "Most managers check the quality of case records well.",
        "Caseloads have fallen and are now manageable.",
    ]
    res = tg.tag(texts)
    assert [r.polarity for r in res[:4]] == ["concern"] * 4
    assert res[1].polarity_cues[0] == "context:decline"
    assert res[4].polarity == "strength"  # a hedge alone is not a concern
    assert res[5].polarity != "concern"  # a fall that is good news
    # an item of a 'What needs to improve' section is a concern whatever its words; a
    # section that only inherits the kind from an earlier heading does not count
    t = "Children benefit from strong and effective direct work."
    own, inherited = tg.tag(
        [t, t],
        ["what_needs_to_improve"] * 2,
        [False, True],
        ["What needs to improve in this local authority?", "Inspection findings"],
    )
    assert own.polarity == "concern" and own.polarity_cues[0] == "context:item to improve"
    assert inherited.polarity == "strength"
    # without context rules the model decides alone (and reads both as strengths)
    assert [r.polarity for r in tg.tag(texts[:2], context_rules=False)] == ["strength", "strength"]


def test_context_polarity_rules_directly():
    from ofsted_mine.tag.rules import RuleHits
    from ofsted_mine.tag.tagger import context_polarity

    h = RuleHits()
    assert context_polarity("Improve the quality of plans.", h, "strength") == (
        "concern",
        "context:recommendation",
    )
    assert context_polarity("The number of children missing has declined.", h, "strength") is None
    assert context_polarity("The decline in practice has been halted.", h, "strength") is None
    assert context_polarity("Services have declined.", h, "mixed") is None
    h = RuleHits(polarity={"hedge": [("some", 0, 4)], "strength": [("effective", 10, 19)]})
    assert context_polarity("Some work is effective.", h, "concern") == (
        "strength",
        "context:hedged strength",
    )
    assert context_polarity("Some work is not effective.", h, "concern") is None


# ---------------------------------------------------------------- corrections
EASTMERE_MV = CORPUS / "pdf" / "eastmere" / "02-monitoring-visit-2023-06-20.pdf"


def _finding(db, words):
    import sqlite3

    con = sqlite3.connect(db)
    return con.execute(
        "SELECT id, text FROM findings WHERE text LIKE ? ORDER BY id", (f"%{words}%",)
    ).fetchone()


def _labels(db, fid):
    import sqlite3

    con = sqlite3.connect(db)
    tags = {t: s for t, s in con.execute("SELECT theme, source FROM tags WHERE finding_id=?", (fid,))}
    pol = con.execute("SELECT polarity, polarity_source FROM findings WHERE id=?", (fid,)).fetchone()
    return tags, pol


@pytest.fixture
def eastmere_db(tmp_path):
    import shutil

    (tmp_path / "ofsted-reports").mkdir()
    pdf = tmp_path / "ofsted-reports" / "mv.pdf"
    shutil.copy(EASTMERE_MV, pdf)
    db = tmp_path / "c.db"
    r = runner.invoke(app, ["ingest", str(pdf), "--db", str(db), "--workers", "1"])
    assert r.exit_code == 0, r.output
    return db, pdf


def test_correction_survives_retag_model_change_and_reingest(eastmere_db, monkeypatch, tmp_path):
    import sqlite3

    db, pdf = eastmere_db
    monkeypatch.setenv("OFSTED_MINE_USER", "qa.lead")
    con = sqlite3.connect(db)
    fid, text = con.execute("""SELECT f.id, f.text FROM findings f
                               WHERE section_kind NOT IN
                                 ('header','closing','about','opening','areas_covered')
                               AND EXISTS (SELECT 1 FROM tags t WHERE t.finding_id=f.id)
                               ORDER BY f.id LIMIT 1""").fetchone()
    model_tags, (model_pol, _) = _labels(db, fid)
    drop = sorted(model_tags)[0]
    new_pol = "neutral" if model_pol != "neutral" else "concern"
    r = runner.invoke(
        app,
        [
            "correct",
            str(fid),
            "--add",
            "caseloads",
            "--remove",
            drop,
            "--polarity",
            new_pol,
            "--db",
            str(db),
            "--note",
            "checked against the letter",
        ],
    )
    assert r.exit_code == 0, r.output
    want = ({t: s for t, s in model_tags.items() if t != drop} | {"caseloads": "person"}, (new_pol, "person"))

    def check(fid):
        tags, pol = _labels(db, fid)
        assert tags.get("caseloads") == "person" and drop not in tags
        assert tuple(pol) == want[1]

    check(fid)
    # re-tagging, and a different model (rules only), keep the correction
    assert runner.invoke(app, ["tag", "--db", str(db)]).exit_code == 0
    check(fid)
    assert runner.invoke(app, ["tag", "--db", str(db), "--rules-only"]).exit_code == 0
    check(fid)
    # the document re-ingested (its rows deleted and written again: new ids)
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("DELETE FROM documents")
    con.commit()
    assert con.execute("SELECT COUNT(*) FROM tags").fetchone()[0] == 0
    assert runner.invoke(app, ["ingest", str(pdf), "--db", str(db), "--workers", "1"]).exit_code == 0
    new_fid = _finding(db, text[:40])[0]
    check(new_fid)  # written again by the ingest, then the stored correction applied to it
    # views show it, and can say a person set it
    r = runner.invoke(app, ["quotes", "--theme", "caseloads", "--db", str(db), "--format", "json"])
    q = [x for x in json.loads(r.stdout) if x["finding_id"] == new_fid]
    assert (
        q
        and any(t["theme"] == "caseloads" and t["source"] == "person" for t in q[0]["tags"])
        and q[0]["corrected"]
    )
    r = runner.invoke(app, ["quotes", "--theme", "caseloads", "--db", str(db), "--format", "markdown"])
    assert "corrected by a person" in r.stdout
    exp = tmp_path / "findings.json"
    assert runner.invoke(app, ["export", "-o", str(exp), "--db", str(db)]).exit_code == 0
    flags = {f["finding_id"]: f["corrected_by_person"] for f in json.loads(exp.read_text())["findings"]}
    assert flags[new_fid] is True and sum(flags.values()) == 1
    # who and when are kept
    r = runner.invoke(app, ["corrections", "list", "--db", str(db), "--format", "json"])
    rows = json.loads(r.stdout)
    assert len(rows) == 1 and rows[0]["who"] == "qa.lead" and rows[0]["at"]
    # agreement: one finding, disagreeing in themes and polarity
    r = runner.invoke(app, ["agreement", "--db", str(db), "--format", "json"])
    m = json.loads(r.stdout)
    assert m["corrected_findings"] == 1 and m["findings_disagreeing"] == 1
    assert (
        m["per_theme"]["caseloads"]["added_by_person"] == 1 and m["per_theme"][drop]["removed_by_person"] == 1
    )
    assert m["polarity_agreement"] == 0.0
    r = runner.invoke(app, ["agreement", "--db", str(db)])
    assert "disagreements" in r.stdout and text[:30] in r.stdout
    # exported as training annotations by reference; the reference resolves to the sentence
    out = tmp_path / "my-labels.jsonl"
    r = runner.invoke(
        app,
        [
            "corrections",
            "export",
            "-o",
            str(out),
            "--db",
            str(db),
            "--reports",
            str(tmp_path / "ofsted-reports"),
        ],
    )
    assert r.exit_code == 0, r.output
    line = json.loads(out.read_text().splitlines()[0])
    assert line["ref"]["report"] == "mv.pdf" and "text" not in line and line["correction"] is True
    assert "caseloads" in line["themes"] and line["polarity"] == new_pol
    from ofsted_mine.tag.annotations import load_annotations

    ex, problems = load_annotations([out], tmp_path / "ofsted-reports")
    assert not problems and ex[0].text == text and ex[0].correction
    # train accepts them, and the model card says the model learnt from people's corrections
    labels = (CORPUS / "annotations" / "corpus-labels.jsonl").read_text().splitlines()[:150]
    base = tmp_path / "base.jsonl"
    base.write_text("\n".join(labels) + "\n")
    model = tmp_path / "m.joblib"
    r = runner.invoke(
        app, ["train", str(base), str(out), "--shared", str(tmp_path), "--no-cv", "-o", str(model)]
    )
    assert r.exit_code == 0, r.output
    assert "trained on 151 sentences" in r.stdout and "1 corrected by people" in r.stdout
    card = (tmp_path / "m.joblib.card.md").read_text()
    assert "Includes 1 labels corrected by people" in card and "my-labels.jsonl" in card


def test_correct_refuses_bad_input(eastmere_db):
    db, _ = eastmere_db
    for args, words in (
        (["999999", "--add", "caseloads"], "no such finding"),
        (["1", "--add", "no_such_theme"], "not a theme"),
        (["1", "--polarity", "great"], "not a polarity"),
        (["1"], "nothing to correct"),
    ):
        r = runner.invoke(app, ["correct", *args, "--db", str(db)])
        assert r.exit_code == 1 and words in r.output, (args, r.output)


def test_review_takes_corrections_from_the_keyboard(eastmere_db):
    import sqlite3

    db, _ = eastmere_db
    r = runner.invoke(
        app,
        ["review", "--la", "Eastmere", "--db", str(db), "--limit", "3", "--who", "reviewer"],
        input="a care_lea\np concern\nc\ns\nq\n",
    )
    assert r.exit_code == 0, r.output
    assert "why unsure" in r.output and ">> " in r.output and "saved" in r.output
    assert "1 saved, 1 skipped" in r.output
    con = sqlite3.connect(db)
    ((fid, who, action),) = con.execute("""SELECT f.id, c.who, c.action FROM corrections c JOIN findings f
                                         ON f.start = c.start""").fetchall()
    assert who == "reviewer" and action == "set"
    tags, pol = _labels(db, fid)
    assert tags.get("care_leavers") == "person" and tuple(pol) == ("concern", "person")
    assert all(s == "person" for s in tags.values())  # a confirmed finding: every tag checked
    # the corrected finding is not offered again
    r = runner.invoke(app, ["review", "--la", "Eastmere", "--db", str(db), "--limit", "3"], input="q\n")
    assert f"finding {fid} " not in r.output


# ---------------------------------------------------------------- REFI-QDA
XSD = Path(__file__).resolve().parent / "data" / "refi-qda"


def _validate(xml: bytes, xsd: str) -> None:
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(XSD / xsd)))
    doc = etree.fromstring(xml)
    assert schema.validate(doc), schema.error_log.last_error


def test_codebook_is_valid_refi_qda_and_reads_back_as_the_taxonomy(tmp_path):
    from ofsted_mine.tag.taxonomy import load_taxonomy

    out = tmp_path / "codebook.qdc"
    r = runner.invoke(app, ["qda", "codebook", "-o", str(out)])
    assert r.exit_code == 0, r.output
    _validate(out.read_bytes(), "Codebook-subset.xsd")
    a, b = load_taxonomy(), load_taxonomy(out)
    assert a.themes == b.themes and a.name == b.name  # ids, names, groups, definitions, cues, exclusions
    # a codebook written by another tool: codes nested under a non-codable group, no ids
    other = tmp_path / "plan.qdc"
    other.write_text("""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo">
 <Codes>
  <Code guid="11111111-1111-1111-1111-111111111111" name="Improvement plan" isCodable="false">
   <Code guid="22222222-2222-2222-2222-222222222222" name="Front door" isCodable="true">
    <Description>The MASH</Description></Code>
   <Code guid="33333333-3333-3333-3333-333333333333" name="Stable workforce" isCodable="true"/>
  </Code>
 </Codes>
</CodeBook>""")
    _validate(other.read_bytes(), "Codebook-subset.xsd")
    t = load_taxonomy(other)
    assert [(x.id, x.group, x.cues) for x in t.themes] == [
        ("front_door", "improvement_plan", ("front door",)),
        ("stable_workforce", "improvement_plan", ("stable workforce",)),
    ]
    r = runner.invoke(
        app, ["explain", "Children wait at the front door.", "--taxonomy", str(other), "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    assert [x["theme"] for x in json.loads(r.stdout)["themes"]] == ["front_door"]
    bad = tmp_path / "bad.qdc"
    bad.write_text("not xml at all")
    r = runner.invoke(app, ["explain", "x", "--taxonomy", str(bad)])
    assert r.exit_code != 0


def test_qdpx_project_holds_coded_findings_with_offsets(eastmere_db, tmp_path, monkeypatch):
    import sqlite3
    import zipfile
    from xml.etree import ElementTree as ET

    from ofsted_mine.report.qda import NS_PROJECT, guid

    db, _ = eastmere_db
    monkeypatch.setenv("OFSTED_MINE_USER", "qa.lead")
    con = sqlite3.connect(db)
    fid, text = con.execute("""SELECT id, text FROM findings WHERE section_kind NOT IN
        ('header','closing','about','opening','areas_covered') ORDER BY id LIMIT 1""").fetchone()
    assert (
        runner.invoke(
            app, ["correct", str(fid), "--add", "caseloads", "--polarity", "concern", "--db", str(db)]
        ).exit_code
        == 0
    )
    out = tmp_path / "eastmere.qdpx"
    r = runner.invoke(app, ["qda", "project", "--la", "Eastmere", "-o", str(out), "--db", str(db)])
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(out) as z:
        qde = z.read("project.qde")
        _validate(qde, "Project-subset.xsd")
        root = ET.fromstring(qde)
        ns = {"q": NS_PROJECT}
        codes = {c.get("guid"): c.get("name") for c in root.iterfind(".//q:CodeBook//q:Code", ns)}
        users = {u.get("guid"): u.get("name") for u in root.iterfind(".//q:User", ns)}
        src = root.find(".//q:TextSource", ns)
        body = z.read("sources/" + src.get("plainTextPath").split("//", 1)[1]).decode("utf-8")
    n_tagged = con.execute("""SELECT COUNT(DISTINCT f.id) FROM findings f
                              WHERE EXISTS (SELECT 1 FROM tags t WHERE t.finding_id=f.id)
                              OR f.polarity IN ('strength','concern','mixed')""").fetchone()[0]
    sels = src.findall("q:PlainTextSelection", ns)
    assert len(sels) == n_tagged > 5
    stored = {r[0] for r in con.execute("SELECT text FROM findings")}
    for s in sels:
        assert body[int(s.get("startPosition")) : int(s.get("endPosition"))] in stored
    mine = next(s for s in sels if body[int(s.get("startPosition")) : int(s.get("endPosition"))] == text)
    coded = {
        codes[c.find("q:CodeRef", ns).get("targetGUID")]: users[c.get("creatingUser")]
        for c in mine.findall("q:Coding", ns)
    }
    assert coded["Caseloads and workload"] == "qa.lead" and coded["concern"] == "qa.lead"
    assert "set by a person" in mine.find("q:Description", ns).text
    assert src.get("guid") == guid("source", con.execute("SELECT sha256 FROM documents").fetchone()[0])
    r = runner.invoke(app, ["qda", "project", "-o", str(tmp_path / "x.zip"), "--db", str(db)])
    assert r.exit_code == 1 and ".qdpx" in r.output


# ---------------------------------------------------------------- the learned context stage
def test_context_stage_uses_section_and_previous_finding(tmp_path):
    import numpy as np

    from ofsted_mine.tag import Tagger
    from ofsted_mine.tag.context import ContextModel

    base = Tagger(context=None)
    ids = list(base.model.theme_ids)
    j = ids.index("care_leavers")
    # a stage that passes scores through, but knows that findings under a care-leavers
    # heading are about care leavers, and that a "these …" sentence continues the one before
    coef = np.zeros((len(ids), 3 + 2 + 1))
    coef[:, 0] = 1.0
    coef[j, 3] = 12.0  # section judgement_care_leavers
    coef[:, 1] = 1.5  # the previous finding's score
    cm = ContextModel(
        ids,
        ["judgement_care_leavers", "judgement_in_care"],
        ["inspection/ilacs"],
        coef,
        np.zeros(len(ids)),
        {t: base.model.thresholds[t] for t in ids},
    )
    path = tmp_path / "context.json"
    cm.save(path)
    tg = Tagger(context=path)
    assert tg.context is not None and tg.context.sections == cm.sections
    text = "They are visited regularly by workers who know them well."
    alone = {t.theme for t in tg.tag([text])[0].tags}
    under = {
        t.theme
        for t in tg.tag(
            [text], ["judgement_care_leavers"], [False], ["Care leavers"], docs=["inspection/ilacs"]
        )[0].tags
    }
    elsewhere = {
        t.theme
        for t in tg.tag([text], ["judgement_in_care"], [False], ["x"], docs=["inspection/ilacs"])[0].tags
    }
    assert "care_leavers" not in alone and "care_leavers" in under and "care_leavers" not in elsewhere
    first = "Care leavers have personal advisers who know them well."
    pair = tg.tag(
        [first, text],
        ["judgement_in_care"] * 2,
        [False] * 2,
        ["x"] * 2,
        prev=[None, 0],
        docs=["inspection/ilacs"] * 2,
    )
    assert "care_leavers" in {t.theme for t in pair[1].tags}
    # a stage made for other themes is not used
    other = ContextModel(ids[:3], [], [], np.zeros((3, 3)), np.zeros(3))
    other.save(tmp_path / "other.json")
    assert Tagger(context=tmp_path / "other.json").context is None


def test_context_stage_fits_and_keeps_polarity(tmp_path):
    import numpy as np

    from ofsted_mine.tag.context import ContextModel

    rng = np.random.default_rng(0)
    n, classes = 400, ["concern", "mixed", "neutral", "strength"]
    secs = ["judgement_in_care" if i % 2 else "summary" for i in range(n)]
    own = rng.dirichlet(np.ones(4), n)
    # in "summary" the label is whatever the sentence model says; in care sections a
    # "mixed" reading is really a concern (a convention the sentence model cannot see)
    y = [classes[int(q.argmax())] for q in own]
    y = ["concern" if s == "judgement_in_care" and lab == "mixed" else lab for s, lab in zip(secs, y)]
    has = np.zeros(n, dtype=bool)
    cm = ContextModel(["a"], sorted(set(secs)), ["x"], np.zeros((1, 3 + 2 + 1)), np.zeros(1))
    oof = cm.fit_polarity(own, own, has, secs, ["x"] * n, y, classes, [str(i // 10) for i in range(n)])
    assert (oof == np.array(y)).mean() > 0.8
    q = np.array([[0.1, 0.7, 0.1, 0.1]])
    pick = lambda s, m: m.pol_classes[int(m.predict_polarity(q, q, np.zeros(1, bool), [s], ["x"]).argmax())]  # noqa: E731
    assert pick("judgement_in_care", cm) == "concern" and pick("summary", cm) == "mixed"
    cm.save(tmp_path / "c.json")
    back = ContextModel.load(tmp_path / "c.json")
    assert pick("judgement_in_care", back) == "concern" and back.pol_classes == cm.pol_classes


def test_library_corrections_behind_the_web_interface(eastmere_db, tmp_path):
    """The web app's adapter over the library (``web.corrections.LibraryCorrections``): the
    review queue, a correction kept apart from the model's tags, who corrected what."""
    from ofsted_mine.store.accounts import Accounts
    from ofsted_mine.store.db import open_db
    from ofsted_mine.web.corrections import LibraryCorrections

    db, _ = eastmere_db
    con = open_db(db)
    lc = LibraryCorrections(Accounts(tmp_path / "accounts.db"))
    q = lc.queue(con, la_urn="Eastmere", limit=3)
    assert q and {"id", "text", "visit_id", "tags", "reasons"} <= set(q[0])
    fid = q[0]["id"]
    before = con.execute("SELECT polarity FROM findings WHERE id = ?", (fid,)).fetchone()[0]
    assert before == q[0]["polarity"]
    change = lc.correct(con, fid, add=["caseloads"], polarity="concern", who="web.user")
    assert change["polarity"] == "concern" and "caseloads" in change["themes"]
    hist = lc.corrected(con, [fid, fid + 1])
    assert list(hist) == [fid] and hist[fid][-1]["who"] == "web.user"
    assert lc.queue(con, finding_id=fid)[0]["polarity"] == "concern"
    with pytest.raises(ValueError):
        lc.correct(con, fid, add=["nope"], who="web.user")


def test_context_stage_extras_heading_cue_refers_back_and_raw_scores(tmp_path):
    """The optional features: a theme's cue phrase in the section heading, the previous
    finding's score when the sentence refers back to it ("These …"), and raw (uncalibrated)
    sentence scores as the stage's input."""
    import numpy as np

    from ofsted_mine.tag import Tagger
    from ofsted_mine.tag.context import ContextModel, heading_cues, opener_flags

    base = Tagger(context=None)
    ids = list(base.model.theme_ids)
    j = ids.index("care_leavers")
    H = heading_cues(["The experiences and progress of care leavers", "", "Leadership"], base.matcher, ids)
    assert H[0, j] == 1 and H[1].sum() == 0 and H[2, j] == 0
    flags = opener_flags(
        ["These plans are clear.", "However, some are late.", "This means that drift is rare."]
    )
    assert flags["refers_back"].tolist() == [1, 0, 1] and flags["contrast"].tolist() == [0, 1, 0]
    assert flags["consequence"].tolist() == [0, 0, 1]

    def stage(heading_w: float, back_w: float, raw: bool) -> Tagger:
        coef = np.zeros((len(ids), 3 + 0 + 1 + 2))
        coef[:, 0] = 1.0  # the sentence's own score passes through
        coef[:, 4], coef[:, 5] = heading_w, back_w
        cm = ContextModel(
            ids, [], ["inspection/ilacs"], coef, np.zeros(len(ids)), dict(base.model.thresholds)
        )
        cm.extras, cm.raw_scores = ["heading_cue", "refers_back"], raw
        cm.save(tmp_path / "c.json")
        return Tagger(context=tmp_path / "c.json")

    text = "They are visited regularly by workers who know them well."
    plain = "Workers visit children regularly and know them well."
    first = "Care leavers have personal advisers who know them well."
    ctx = dict(docs=["inspection/ilacs"] * 2)
    tg = stage(12.0, 0.0, False)
    assert tg.context.extras == ["heading_cue", "refers_back"]
    by_heading = tg.tag([text, text], ["findings"] * 2, [False] * 2, ["Care leavers", "Findings"], **ctx)
    assert "care_leavers" in {t.theme for t in by_heading[0].tags}
    assert "care_leavers" not in {t.theme for t in by_heading[1].tags}
    tg = stage(0.0, 3.0, False)
    back = tg.tag([first, text], ["findings"] * 2, [False] * 2, ["x"] * 2, prev=[None, 0], **ctx)
    not_back = tg.tag([first, plain], ["findings"] * 2, [False] * 2, ["x"] * 2, prev=[None, 0], **ctx)
    assert "care_leavers" in {t.theme for t in back[1].tags}
    assert "care_leavers" not in {t.theme for t in not_back[1].tags}
    # raw scores: a pass-through stage gives the sentence model's uncalibrated scores
    tg = stage(0.0, 0.0, True)
    hits = tg.matcher.match_many([plain])
    P, _, _, _ = tg.scores([plain], hits, ["findings"], ["x"], [None], ["inspection/ilacs"])
    raw, _ = tg.model.predict_proba([plain], hits, raw=True)
    cal, _ = tg.model.predict_proba([plain], hits)
    assert np.allclose(P, raw, atol=1e-4) and not np.allclose(raw, cal, atol=1e-3)
    assert ContextModel.load(tmp_path / "c.json").raw_scores


def test_polarity_stage_reads_an_opening_however_after_a_strength():
    """An opening contrast ("However, …") crossed with the previous finding's polarity: a
    stage fitted where such sentences after a strength are concerns learns it."""
    import numpy as np

    from ofsted_mine.tag.context import ContextModel

    rng = np.random.default_rng(1)
    classes = ["concern", "mixed", "neutral", "strength"]
    n = 600
    own = rng.dirichlet(np.ones(4) * 3, n)
    prev = rng.dirichlet(np.ones(4) * 3, n)
    opens = rng.random(n) < 0.3
    texts = [("However, " if o else "") + "the work is done." for o in opens]
    y = [
        "concern" if o and classes[int(p.argmax())] == "strength" else classes[int(q.argmax())]
        for o, p, q in zip(opens, prev, own)
    ]
    has = np.ones(n, dtype=bool)
    cm = ContextModel(["a"], [], ["x"], np.zeros((1, 4)), np.zeros(1))
    groups = [str(i // 20) for i in range(n)]
    plain = cm.fit_polarity(own, prev, has, [None] * n, ["x"] * n, y, classes, groups)
    wise = cm.fit_polarity(
        own, prev, has, [None] * n, ["x"] * n, y, classes, groups, texts=texts, pol_extras=["contrast_open"]
    )
    yy = np.array(y)
    hit = opens & (prev.argmax(axis=1) == 3)  # "However, …" after a strength
    assert (wise[hit] == yy[hit]).mean() > (plain[hit] == yy[hit]).mean() + 0.3
    assert (wise == yy).mean() > (plain == yy).mean()
    q = np.array([[0.1, 0.1, 0.1, 0.7]])
    after_strength = np.array([[0.05, 0.05, 0.1, 0.8]])
    pick = cm.predict_polarity(q, after_strength, np.ones(1, bool), [None], ["x"], ["However, it is done."])
    assert cm.pol_classes[int(pick.argmax())] == "concern"


@requires_reports
def test_training_never_sees_a_gold_report():
    """No labelled sentence we train on (nor the context stage) comes from a report of the
    gold file; the loaders drop one if a file names it."""
    from ofsted_mine.tag.annotations import load_annotations
    from ofsted_mine.tag.train import gold_reports

    gold = gold_reports(SHARED)
    assert len(gold) > 100
    named = set()
    for f in (CORPUS / "annotations").glob("*.jsonl"):
        for line in f.read_text("utf-8").splitlines():
            ref = json.loads(line).get("ref") if line.strip() else None
            if ref:
                named.add(ref["report"])
    assert named and not named & gold
    bad = {"id": "x", "ref": {"report": sorted(gold)[0], "start": 0, "end": 40, "sha1": "0"}}
    bad.update(themes=["recording"], polarity="neutral")
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "a.jsonl"
        p.write_text(json.dumps(bad) + "\n")
        ex, _ = load_annotations([p], REPORTS, exclude_reports=gold)
    assert ex == []
