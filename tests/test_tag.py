import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ofsted_mine as om
from ofsted_mine.cli import app
from ofsted_mine.tag import Tagger, TaxonomyError, load_taxonomy
from ofsted_mine.tag.evaluate import score

runner = CliRunner()
CORPUS = Path(__file__).resolve().parent.parent / "corpus"

MY_PLAN = """
[taxonomy]
name = "Wyvern Vale improvement plan 2023"
version = "2"

[[theme]]
id = "front_door"
name = "Priority 1: a safe front door"
group = "practice_priority"
definition = "Contacts, referrals and the MASH"
cues = ["front door", "mash", "contact*", "referral*"]

[[theme]]
id = "stable_workforce"
name = "Priority 2: a stable workforce"
cues = ["agency", "vacanc*", "changes of social worker", "recruit*"]
"""


def test_default_taxonomy_is_data():
    tax = load_taxonomy()
    assert len(tax.themes) == 17 and tax.ids[:3] == [
        "assessment_risk",
        "plans_planning",
        "supervision_oversight",
    ]
    assert all(t.definition and t.cues for t in tax.themes)


def test_bad_taxonomy_files(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[[theme]]\nid = "a"\n[[theme]]\nid = "a"\n')
    with pytest.raises(TaxonomyError, match="twice"):
        load_taxonomy(p)
    p.write_text("this is = = not toml")
    with pytest.raises(TaxonomyError, match="not valid TOML"):
        load_taxonomy(p)
    with pytest.raises(TaxonomyError, match="not found"):
        load_taxonomy(tmp_path / "none.toml")


def test_rules_keep_cue_spans_and_exclusions():
    tg = Tagger(model=None, mode="rules")
    text = "Frequent changes of social worker have led to drift in planning for some children."
    r = tg.tag([text])[0]
    themes = {t.theme: t for t in r.tags}
    assert {"workforce_stability", "drift_delay", "plans_planning"} <= set(themes)
    assert all(t.source == "rule" for t in r.tags)
    e = tg.explain(text)
    for t in e["themes"]:
        for c in t["cues"]:
            assert text[c["start"] : c["end"]] == c["text"]
    # "improvement plan" is not about children's plans
    r = tg.tag(["Leaders have written a new improvement plan."])[0]
    assert "plans_planning" not in {t.theme for t in r.tags}
    assert r.polarity in ("neutral", "strength")  # a new plan is no concern (was: any polarity, always true)


def test_user_taxonomy_tags_with_its_own_cues(tmp_path):
    p = tmp_path / "plan.toml"
    p.write_text(MY_PLAN)
    tg = Tagger(p)  # a model trained on another taxonomy: its themes are not used
    r = tg.tag(["Too many contacts wait too long at the front door.", "Agency staff cover a third of posts."])
    assert [t.theme for t in r[0].tags] == ["front_door"] and r[0].tags[0].cues
    assert [t.theme for t in r[1].tags] == ["stable_workforce"]


def test_model_tagging_explains_itself():
    tg = Tagger()
    if tg.model is None:
        pytest.skip("no trained model in models/")
    e = tg.explain("Frequent changes of social worker have led to drift in planning for some children.")
    got = {t["theme"]: t for t in e["themes"]}
    assert "workforce_stability" in got and got["workforce_stability"]["source"] in ("both", "model")
    assert got["workforce_stability"]["threshold"] is not None
    assert e["polarity"] == "concern"


def test_score_metrics():
    gold = [{"themes": ["a"], "polarity": "strength"}, {"themes": ["a", "b"], "polarity": "concern"}]
    pred = [{"themes": ["a"], "polarity": "strength"}, {"themes": ["b"], "polarity": "strength"}]
    m = score(gold, pred, ["a", "b"])
    assert m["per_theme"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2}
    assert m["theme_micro_f1"] == round(2 * 2 / (2 * 2 + 0 + 1), 4)
    assert m["polarity_accuracy"] == 0.5 and m["polarity_confusion"]["concern"]["strength"] == 1


def test_classify_evaluate_train_commands(tmp_path):
    labels = [
        json.loads(l) for l in (CORPUS / "annotations" / "corpus-labels.jsonl").read_text().splitlines()
    ]
    train_file, gold_file, inp = tmp_path / "train.jsonl", tmp_path / "gold.jsonl", tmp_path / "in.jsonl"
    train_file.write_text("\n".join(json.dumps(l) for l in labels[:600]))
    gold_file.write_text("\n".join(json.dumps(l) for l in labels[600:700]))
    inp.write_text("\n".join(json.dumps({"id": l["id"], "text": l["text"]}) for l in labels[600:650]))
    model = tmp_path / "m.joblib"
    r = runner.invoke(app, ["train", str(train_file), "-o", str(model), "--no-cv"])
    assert r.exit_code == 0, r.output
    assert model.exists() and "trained on 600 sentences" in r.stdout
    out = tmp_path / "out.jsonl"
    r = runner.invoke(app, ["classify", str(inp), "-o", str(out), "--model", str(model)])
    assert r.exit_code == 0, r.output
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    assert len(rows) == 50 and {"id", "themes", "polarity", "scores"} <= set(rows[0])
    assert rows[0]["id"] == labels[600]["id"]
    r = runner.invoke(app, ["evaluate", str(gold_file), "--model", str(model), "--format", "json"])
    m = json.loads(r.stdout)
    assert m["n"] == 100 and m["theme_micro_f1"] > 0  # (was: 0 <= F1 <= 1, always true)
    conf = m["polarity_confusion"]  # every gold sentence counted once; accuracy is its diagonal
    assert sum(n for row in conf.values() for n in row.values()) == 100
    assert m["polarity_accuracy"] == round(sum(conf[c][c] for c in conf) / 100, 4)
    r = runner.invoke(app, ["evaluate", str(gold_file), "--baseline", "keyword"])
    assert "keyword baseline" in r.stdout and "theme micro-F1" in r.stdout


def test_retag_without_rereading_files(tmp_path, letter_pdf):
    db = tmp_path / "qa.db"
    om.ingest([letter_pdf], db, workers=1)
    letter_pdf.unlink()  # the file is gone: re-tagging must not need it
    p = tmp_path / "plan.toml"
    p.write_text(MY_PLAN)
    r = runner.invoke(app, ["tag", "--db", str(db), "--taxonomy", str(p)])
    assert r.exit_code == 0, r.output
    con = om.open_db(db)
    themes = {t for (t,) in con.execute("SELECT DISTINCT theme FROM tags")}
    assert themes <= {"front_door", "stable_workforce"} and "stable_workforce" in themes
    r = runner.invoke(app, ["themes", "--db", str(db), "--taxonomy", str(p), "--format", "json"])
    rows = {x["id"]: x for x in json.loads(r.stdout)}
    assert rows["stable_workforce"]["findings"] >= 1
    # without --taxonomy, the database's own taxonomy (the one it was last tagged with) is used
    r = runner.invoke(app, ["themes", "--db", str(db), "--format", "json"])
    assert {x["id"] for x in json.loads(r.stdout)} == {"front_door", "stable_workforce"}


def test_quotes_by_theme_and_polarity(tmp_path, letter_pdf):
    db = tmp_path / "qa.db"
    om.ingest([letter_pdf], db, workers=1)
    con = om.open_db(db)
    q = om.quotes(con, None, la="Wyvern Vale", themes=["workforce_stability"], polarity="concern")
    assert q and all("workforce_stability" in x.themes and x.polarity == "concern" for x in q)
    both = om.quotes(con, None, themes=["workforce_stability", "drift_delay"], theme_mode="all")
    either = om.quotes(con, None, themes=["workforce_stability", "drift_delay"], theme_mode="any")
    assert set(x.finding_id for x in both) <= set(x.finding_id for x in either)
    assert om.quotes(con, None, themes=["drift_delay"], min_score=1.01) == []
    r = runner.invoke(
        app,
        [
            "quotes",
            "--theme",
            "drift_delay",
            "--polarity",
            "concern",
            "--la",
            "Wyvern Vale",
            "--db",
            str(db),
            "--format",
            "json",
        ],
    )
    rows = json.loads(r.stdout)
    assert rows and all(x["polarity"] == "concern" and "drift_delay" in x["themes"] for x in rows)


def test_cross_validation_never_scores_synthetic_sentences(monkeypatch):
    """Synthetic lines join every training part and never a test part; figures count report sentences only."""
    import ofsted_mine.tag.train as tr
    from ofsted_mine.tag.annotations import load_annotations

    examples, problems = load_annotations([CORPUS / "annotations" / "corpus-labels.jsonl"])
    assert not problems
    real = examples[:400]
    synthetic = [
        type(e)(
            id=f"syn-{i}",
            text=e.text + " (written example)",
            themes=e.themes,
            polarity=e.polarity,
            group="synthetic",
            synthetic=True,
        )
        for i, e in enumerate(examples[400:460])
    ]
    seen = []

    def fake(texts, themes, polarities, test, taxonomy, use_rules, seed, synthetic):
        assert [t.endswith("(written example)") for t in texts] == synthetic  # flags travel with the texts
        seen.append((set(texts), set(test)))
        return [{"themes": [], "polarity": "neutral"} for _ in test]

    monkeypatch.setattr(tr, "_fold_predictions", fake)
    res = tr.cross_validate(real + synthetic, load_taxonomy(), folds=3, n_jobs=1)
    syn_texts = {e.text for e in synthetic}
    assert len(seen) == 6  # 3 folds x (model, combined)
    for train_texts, test_texts in seen:
        assert syn_texts <= train_texts and not syn_texts & test_texts
    assert set().union(*(t for _, t in seen)) == {e.text for e in real}
    assert all(m["n"] == len(real) for m in res.values())


def test_synthetic_flag_is_read_from_text_lines_only(tmp_path):
    from ofsted_mine.tag.annotations import load_annotations

    f = tmp_path / "a.jsonl"
    f.write_text(
        "\n".join(
            json.dumps(d)
            for d in [
                {
                    "id": "s1",
                    "text": "Personal advisers keep in touch with young people.",
                    "themes": ["care_leavers"],
                    "polarity": "strength",
                    "synthetic": True,
                },
                {
                    "id": "c1",
                    "text": "Plans are clear.",
                    "themes": ["plans_planning"],
                    "polarity": "strength",
                    "source": "x.txt",
                },
            ]
        )
    )
    ex, problems = load_annotations([f])
    assert not problems and [e.synthetic for e in ex] == [True, False] and ex[1].group == "x.txt"


def test_saved_model_tags_without_scikit_learn_and_keeps_its_answers(tmp_path):
    """A saved model loads for tagging from plain arrays (no scikit-learn import); its scores
    equal the fitted model's; explain's word weights and re-saving unpickle the rest on demand."""
    import subprocess
    import sys

    import numpy as np

    from ofsted_mine.tag.classifier import TaggerModel
    from ofsted_mine.tag.rules import RuleMatcher

    labels = [
        json.loads(l) for l in (CORPUS / "annotations" / "corpus-labels.jsonl").read_text().splitlines()
    ]
    tax = load_taxonomy()
    fitted = TaggerModel(tax, tune=False).fit(
        [l["text"] for l in labels[:500]],
        [l["themes"] for l in labels[:500]],
        [l["polarity"] for l in labels[:500]],
    )
    path = tmp_path / "m.joblib"
    fitted.save(path)
    texts = [l["text"] for l in labels[500:600]] + ["", "Children’s café — naïve"]
    hits = RuleMatcher(tax).match_many(texts)
    loaded = TaggerModel.load(path)
    for a, b in zip(fitted.predict_proba(texts, hits), loaded.predict_proba(texts, hits)):
        assert np.allclose(a, b, atol=1e-12)
    assert loaded.top_terms(texts[0], "permanence") == fitted.top_terms(texts[0], "permanence")
    loaded.save(tmp_path / "again.joblib")
    again = TaggerModel.load(tmp_path / "again.joblib")
    assert np.allclose(fitted.predict_proba(texts, hits)[0], again.predict_proba(texts, hits)[0], atol=1e-12)
    code = (
        "import sys; from ofsted_mine.tag import Tagger; t = Tagger(model=sys.argv[1]); "
        "r = t.tag(['Frequent changes of social worker have led to drift.']); "
        "print(r[0].polarity, 'sklearn' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert out.split()[-1] == "False"


def test_estimators_clone_with_their_parameters():
    """The vectorisers and the sentence model take explicit parameters: ``get_params`` lists
    them, ``clone`` keeps them, and a fitted clone gives the same answers as the original."""
    import numpy as np
    from sklearn.base import clone

    from ofsted_mine.tag.classifier import TaggerModel
    from ofsted_mine.tag.fastchar import CachedCharTfidf, CachedWordTfidf
    from ofsted_mine.tag.rules import RuleMatcher

    labels = [
        json.loads(l) for l in (CORPUS / "annotations" / "corpus-labels.jsonl").read_text().splitlines()
    ]
    texts = [l["text"] for l in labels[:400]]
    for vec in (
        CachedCharTfidf(ngram_range=(3, 5), min_df=2, sublinear_tf=True, dtype=np.float32),
        CachedWordTfidf(ngram_range=(1, 2), min_df=2, token_pattern=r"(?u)\b[\w’'-]+\b"),
    ):
        twin = clone(vec)
        assert twin.get_params() == vec.get_params() and twin.get_params()["min_df"] == 2
        a, b = vec.fit(texts).transform(texts[:50]), twin.fit(texts).transform(texts[:50])
        assert a.shape == b.shape and abs(a - b).max() == 0
    assert CachedCharTfidf().get_params()["analyzer"] == "char_wb"

    tax = load_taxonomy()
    model = TaggerModel(tax, tune=False, theme_C=4.0, seed=3)
    twin = clone(model)
    assert twin is not model and twin.get_params()["theme_C"] == 4.0 and twin.seed == 3 and not twin.tune
    with pytest.raises(ValueError, match="no parameter"):
        clone(model).set_params(C=1.0)
    y_themes, y_pol = [l["themes"] for l in labels[:400]], [l["polarity"] for l in labels[:400]]
    assert model.fit(texts, y_themes, y_pol) is model
    twin.fit(texts, y_themes, y_pol)
    new = [l["text"] for l in labels[400:460]]
    hits = RuleMatcher(tax).match_many(new)
    for a, b in zip(model.predict_proba(new, hits), twin.predict_proba(new, hits)):
        assert np.allclose(a, b)
    # a parameter changes the fit: a weaker regularisation gives different theme scores
    other = clone(model).set_params(theme_C=0.05).fit(texts, y_themes, y_pol)
    assert not np.allclose(other.predict_proba(new, hits)[0], model.predict_proba(new, hits)[0])
