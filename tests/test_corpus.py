"""The bundled sample corpus: PDFs rebuild from their sources, and the parser recovers the
true metadata recorded beside each document (corpus/truth.json)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ofsted_mine.parse import parse
from ofsted_mine.read import read_file

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
TRUTH = json.loads((CORPUS / "truth.json").read_text("utf-8"))


def test_pdfs_rebuild_identically_from_sources():
    r = subprocess.run([sys.executable, str(CORPUS / "build.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("t", TRUTH, ids=[t["pdf"] for t in TRUTH])
def test_parser_recovers_true_metadata(t):
    d = parse(read_file(CORPUS / t["pdf"]))
    v = d.visit
    got = {
        "kind": v.kind,
        "la": v.la,
        "la_urn": int(v.la_urn) if v.la_urn else None,
        "la_name_printed": v.la_name,
        "start_date": v.start_date and v.start_date.isoformat(),
        "end_date": v.end_date and v.end_date.isoformat(),
        "published": v.published and v.published.isoformat(),
        "visit_number": v.visit_number,
        "inadequate_date": v.inadequate_date,
        "lead_inspector": v.lead_inspector,
        "inspectors": v.inspectors,
        "focus_areas": v.focus_areas,
        "judgements": v.judgements,
        "progress_verdict": v.progress_verdict,
        "theme": v.theme,
        "partners": v.partners,
        "inspectorates": v.inspectorates,
    }
    if t["kind"] == "inspection":
        got["framework"] = v.framework
    for k, val in got.items():
        if k in t and t[k] is not None or k in ("progress_verdict", "visit_number"):
            assert val == t.get(k), f"{t['pdf']}: {k}"
    if t["kind"] in ("monitoring_visit", "focused_visit", "inspection", "jtai"):
        body = [f for f in d.findings if f.section_kind not in ("header", "closing", "about")]
        assert len(body) > 20
        assert all(d.text[f.start : f.end] == f.text for f in d.findings)


def test_every_labelled_corpus_sentence_is_a_finding():
    """The corpus labels and the segmenter agree on what a sentence is (for nearly all)."""
    labels = [
        json.loads(l)
        for l in (CORPUS / "annotations" / "corpus-labels.jsonl").read_text("utf-8").splitlines()
        if l.strip()
    ]
    by_source: dict = {}
    for t in TRUTH:
        by_source[t["source"]] = {f.text for f in parse(read_file(CORPUS / t["pdf"])).findings}
    found = sum(1 for l in labels if l["text"] in by_source.get(l["source"], set()))
    assert found / len(labels) >= 0.9, f"{found} of {len(labels)}"


JTAIS = [t for t in TRUTH if t["kind"] == "jtai"]


def test_corpus_has_jtai_letters_in_each_format():
    """Three JTAI letters: 2018 and 2019 ("Key strengths", "Areas for improvement", a case study;
    one with "Areas for priority action") and 2023 ("Headline findings", "What needs to improve?",
    "Strengths", "Main findings")."""
    assert len(JTAIS) >= 3
    assert len({t["la"] for t in JTAIS}) == len(JTAIS)


@pytest.mark.parametrize("t", JTAIS, ids=[t["pdf"] for t in JTAIS])
def test_jtai_letter_sections_and_findings(t):
    """The kind's own headings give the sections: the title opens the letter (not a finding), the
    strengths and case studies are findings, "Next steps" is procedure (not a finding)."""
    d = parse(read_file(CORPUS / t["pdf"]))
    kinds = [s.kind for s in d.sections]
    assert kinds[0] == "header" and kinds[-1] == "closing"
    assert "strengths" in kinds and "about" in kinds
    assert any(k in kinds for k in ("what_needs_to_improve", "priority_action"))
    title = next(s for s in d.sections if s.heading.lower().startswith("joint targeted area inspection"))
    assert title.kind == "opening"
    found = {f.section_kind for f in d.findings}
    assert "strengths" in found
    next_steps = next(s for s in d.sections if s.heading == "Next steps")
    assert all(f.section_kind == "about" for f in d.findings if next_steps.start <= f.start < next_steps.end)
    assert not any("Yours sincerely" in f.text or f.text.startswith("Joint targeted") for f in d.findings)
    assert d.warnings == []


def test_jtai_letters_in_visits_and_timelines(tmp_path):
    """Stored JTAI letters are visits of their council: listed with their theme as focus area and
    placed in the council's timeline beside its other visits."""
    import ofsted_mine as om
    from ofsted_mine.analyse.timeline import timeline

    db = tmp_path / "jtai.db"
    pdfs = [CORPUS / t["pdf"] for t in JTAIS] + [CORPUS / "pdf/greywater/01-focused-visit-2019-03-05.pdf"]
    r = om.ingest(pdfs, db)
    assert not r.failed and len(r.added) == len(pdfs)
    con = om.open_db(db)
    got = {v["la"]: v for v in om.visits(con, kind="jtai")}
    assert set(got) == {t["la"] for t in JTAIS}
    for t in JTAIS:
        v = got[t["la"]]
        assert v["focus_areas"] == [t["theme"]] and v["start_date"] == t["start_date"]
        assert v["n_findings"] > 15
    tl = timeline(con, "Greywater")
    assert [v.kind for v in tl.visits] == ["focused_visit", "jtai"]
    assert tl.visits[1].label == "JTAI 2023-03"


def test_each_kind_declares_the_metadata_fields_it_fills():
    """A kind's ``fields`` list what its reader gives: every field the truth of a corpus document
    has a value for is declared by the document's kind."""
    from ofsted_mine import kinds

    alias = {"la": "la_name", "la_urn": "la_name", "la_name_printed": "la_name"}
    skip = {"source", "pdf", "kind", "framework"}
    for t in TRUTH:
        k = kinds.by_id(t["kind"], t.get("framework"))
        filled = {alias.get(f, f) for f, val in t.items() if f not in skip and val not in (None, [], {})}
        if k.ofsted:
            assert filled <= set(k.fields), (t["pdf"], filled - set(k.fields))
