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
