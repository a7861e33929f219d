"""The written (synthetic) training sentences copy nothing from ../shared."""

import json
import sys
from pathlib import Path

import pytest

from ofsted_mine.tag.annotations import copied_runs, load_annotations

from ..conftest import REPORTS, requires_reports

pytestmark = [pytest.mark.real, requires_reports]
ROOT = Path(__file__).resolve().parents[2]
SYNTHETIC = sorted((ROOT / "corpus" / "annotations").glob("synthetic-*.jsonl"))


def test_synthetic_sentences_share_no_12_word_run_with_shared_files():
    sys.path.insert(0, str(ROOT / "scripts"))
    from add_synthetic import shared_texts

    assert SYNTHETIC, "no synthetic annotation files"
    examples, problems = load_annotations(SYNTHETIC)
    assert not problems and len(examples) > 5000
    assert all(e.synthetic for e in examples)
    docs = list(shared_texts(REPORTS.parent))
    hits = copied_runs([e.text for e in examples], docs)
    copied = [(e.id, sorted(h)[0]) for e, h in zip(examples, hits) if h]
    assert not copied, (
        f"{len(copied)} synthetic sentences share a 12-word run with ../shared, e.g. {copied[:3]}"
    )
    # the check itself catches a copy: a report's sentence slipped in among them is found
    gold = [
        json.loads(l)["text"]
        for l in (REPORTS.parent / "gold" / "themes-dev.jsonl").read_text("utf-8").splitlines()
    ]
    reports_only = [d for d in docs if d not in set(gold)]
    long_one = next(t for t in gold if len(t.split()) > 25)
    found = copied_runs([long_one, "Personal advisers visit often."], reports_only)
    assert found[0] and not found[1]
