"""How well do human annotators following our labelling guide agree with the gold file?

    python bench/human_ceiling.py [--shared ../shared]

Two annotators (helper sessions, working from the codebook and the same guide as the
training labels) labelled the 250 gold sentences blind: they saw only the texts, never the
gold labels. Their labels (ids, themes, polarity; no text) are in bench/data/blind-labels-*.jsonl.
They are a measurement only: no training or tuning reads them. This prints each
annotator's figures against the gold file, the two annotators against each other, and
the shipped tagger against the gold file, with the same scorer as `ofsted-mine evaluate`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _read(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text("utf-8").splitlines() if l.strip()]


def blind_label_scores(gold: list[dict]) -> dict[str, dict]:
    """Each blind annotator's figures against ``gold`` (keyed by the file's letter), with the
    same scorer as ``ofsted-mine evaluate``. Raises ValueError if a file does not match the gold file."""
    from ofsted_mine.tag import load_taxonomy
    from ofsted_mine.tag.evaluate import score

    ids = load_taxonomy().ids
    by_id = {g["id"]: g for g in gold}
    out = {}
    for p in sorted((ROOT / "bench" / "data").glob("blind-labels-*.jsonl")):
        lab = _read(p)
        if len(lab) != len(gold) or any(d["id"] not in by_id for d in lab):
            raise ValueError(f"{p.relative_to(ROOT)}: does not match the gold file ({len(lab)} lines)")
        out[p.stem.rsplit("-", 1)[-1]] = {
            "labels": lab,
            "vs_gold": score([by_id[d["id"]] for d in lab], lab, ids),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    a = ap.parse_args()
    from ofsted_mine.tag import Tagger, load_taxonomy
    from ofsted_mine.tag.evaluate import evaluate_tagger, score

    gold = _read(Path(a.shared) / "gold" / "themes-dev.jsonl")
    try:
        blind = blind_label_scores(gold)
    except ValueError as e:
        sys.exit(str(e))

    def line(name: str, m: dict) -> None:
        print(
            f"{name:28} theme micro-F1 {m['theme_micro_f1']:.3f}  macro-F1 {m['theme_macro_f1']:.3f}  "
            f"polarity acc {m['polarity_accuracy']:.3f}  macro-F1 {m['polarity_macro_f1']:.3f}"
        )

    for k, b in blind.items():
        line(f"annotator {k} vs gold", b["vs_gold"])
    names = list(blind)
    for i, x in enumerate(names):
        for y in names[i + 1 :]:
            line(f"annotator {x} vs {y}", score(blind[x]["labels"], blind[y]["labels"], load_taxonomy().ids))
    line("shipped tagger vs gold", evaluate_tagger(Tagger(), gold))


if __name__ == "__main__":
    main()
