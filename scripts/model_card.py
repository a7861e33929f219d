"""Train the shipped tagger model and write its model card (models/README.md).

    python scripts/model_card.py [--shared ../shared] [--no-cv]

Trains on every annotation file in corpus/annotations/ (the *.second.jsonl files hold
the second annotator's labels of doubly-labelled sentences: used for agreement only),
estimates quality by grouped cross-validation, then measures rules-only, model-only and
combined taggers on ../shared/gold/themes-dev.jsonl (never trained on).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ofsted_mine.tag import Tagger, load_taxonomy  # noqa: E402
from ofsted_mine.tag.annotations import load_annotations  # noqa: E402
from ofsted_mine.tag.classifier import TaggerModel  # noqa: E402
from ofsted_mine.tag.evaluate import evaluate_tagger, read_gold, score  # noqa: E402
from ofsted_mine.tag.train import gold_reports, train  # noqa: E402


def agreement(first_files, second_files, reports_root) -> dict:
    firsts, _ = load_annotations(first_files, reports_root)
    seconds, _ = load_annotations(second_files, reports_root)
    by = {e.id: e for e in firsts}
    pairs = [(by[s.id], s) for s in seconds if s.id in by]
    g = [{"themes": a.themes, "polarity": a.polarity} for a, _ in pairs]
    p = [{"themes": b.themes, "polarity": b.polarity} for _, b in pairs]
    m = score(g, p, load_taxonomy().ids)
    return {"n": len(pairs), "theme_micro_f1": m["theme_micro_f1"], "polarity_agreement": m["polarity_accuracy"]}


WHY_SHORT = [
    "Why, as far as we can tell (without tuning anything on the gold file):",
    "- *Annotators differ.* Two of our annotators agree at theme micro-F1 ≈ 0.92 (see Data); the gold file "
    "is a third annotator's reading of the codebook, and the codebook leaves boundaries open (edge-of-care work: "
    "early help or permanence? does \"timely\" make a sentence `drift_delay`? LSCB sentences: partnership, "
    "leadership, or both?). A tagger trained on our labels inherits our side of each boundary.",
    "- *Small gold support for rare themes.* caseloads, staff support, recording and workforce stability have "
    "4–9 gold sentences each, so each miss moves macro-F1 by several points.",
    "- *Features.* Word and character n-grams with linear models; no pretrained language model can be used "
    "(nothing may be downloaded at run time, and spaCy's pretrained pipelines are not on the package registry "
    "this project installs from). More labelled data is what moved the figures most "
    "(gold micro / macro / polarity accuracy / polarity macro-F1 of the shipped tagger: 6,079 sentences "
    "0.778 / 0.727 / 0.868 / 0.733; 13,475 sentences 0.807 / 0.786 / 0.884 / 0.771; 16,835 sentences, shipped, "
    "0.801 / 0.785 / 0.880 / 0.765). The last step raised cross-validation (theme micro-F1 0.813 → 0.821) but not "
    "the gold figures; on 250 gold sentences a handful of sentences moves a figure by 0.01. We ship the model that "
    "cross-validation prefers, not the one the gold file prefers.",
]


def row(name, m):
    return (f"| {name} | {m['theme_micro_f1']:.3f} | {m['theme_macro_f1']:.3f} | {m['polarity_accuracy']:.3f} | "
            f"{m['polarity_macro_f1']:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--no-cv", action="store_true")
    a = ap.parse_args()
    shared = Path(a.shared)
    ann = sorted(p for p in (ROOT / "corpus" / "annotations").glob("*.jsonl") if not p.name.endswith(".second.jsonl"))
    second = sorted((ROOT / "corpus" / "annotations").glob("*.second.jsonl"))
    out = ROOT / "models" / "tagger.joblib"
    t0 = time.time()
    rep = train(ann, out, shared=shared, cv=not a.no_cv)
    train_secs = time.time() - t0
    tax = load_taxonomy()
    examples, _ = load_annotations(ann, shared / "ofsted-reports", gold_reports(shared))
    mo = TaggerModel.fit([e.text for e in examples], [e.themes for e in examples], [e.polarity for e in examples],
                         tax, use_rule_features=False)
    gold = read_gold(shared / "gold" / "themes-dev.jsonl")
    res = {
        "keyword baseline (rules only)": evaluate_tagger(Tagger(model=None, mode="rules"), gold),
        "model only (TF-IDF, no rule features)": evaluate_tagger(Tagger(model=mo, mode="model"), gold),
        "combined (shipped)": evaluate_tagger(Tagger(model=out), gold),
    }
    agree = agreement(ann, second, shared / "ofsted-reports") if second else None
    comb = res["combined (shipped)"]
    counts = {}
    for e in examples:
        src = "sample corpus (fictional)" if not e.group.endswith(".pdf") else "real reports (by reference)"
        counts[src] = counts.get(src, 0) + 1
    lines = ["# The shipped tagger model (`models/tagger.joblib`)", "",
             "Made by `python scripts/model_card.py` (which runs `ofsted-mine train` on `corpus/annotations/*.jsonl`).", "",
             "## Data", "",
             f"- {rep['examples']} labelled sentences from {rep['documents']} documents: " +
             ", ".join(f"{n} from the {k}" for k, n in counts.items()) + ".",
             "- Real-report sentences come from the reports in `../shared/ofsted-reports` that have **no** sentence in the "
             "gold file (all 193 gold reports are excluded); they are stored as references (report, offsets, SHA-1), "
             "never as text, and read from `../shared` at training time.",
             "- Labels follow `../shared/codebook.md` (17 themes, 4 polarities); each sentence was read and labelled by "
             "one annotator (helper sessions working from the codebook), the sample corpus by its author.",
             "- Which sentences: `real-refs-1..4` are random sentences of those reports' pages; `real-refs-5..7` are "
             "findings as ofsted-mine parses them, half at random and half chosen because the previous model was "
             "unsure of them (a score near a threshold, or a polarity below 0.6) or gave a rare theme a score above 0.2.",
             ]
    if agree:
        lines.append(f"- Agreement between two annotators on {agree['n']} doubly-labelled real sentences: theme micro-F1 "
                     f"{agree['theme_micro_f1']:.3f}, polarity agreement {agree['polarity_agreement']:.3f}.")
    lines += ["", "## Method", "",
              "Rules: spaCy `PhraseMatcher` (prefix cues such as `assess*` expanded into it as words are seen) over the codebook's cue phrases (themes) and polarity cue lists. "
              "Model: TF-IDF word 1–2-grams + character 3–5-grams + rule-hit features (theme cues, polarity cue counts, "
              "negations, strength/concern cues before and after a contrast word) → one logistic regression per theme "
              "(class-balanced, Platt-calibrated on out-of-fold scores; per-theme threshold chosen on out-of-fold "
              "predictions of the training data) and a calibrated 4-class logistic regression for polarity. "
              "Combination: see the README (`Tagging`).", "",
              f"Training time: {train_secs:.0f} s on this 2-core machine (including cross-validation).", "",
              "## Evaluation on `../shared/gold/themes-dev.jsonl` (250 sentences, never trained on)", "",
              "| tagger | theme micro-F1 | theme macro-F1 | polarity accuracy | polarity macro-F1 |",
              "|---|---|---|---|---|"]
    lines += [row(k, v) for k, v in res.items()]
    lines += ["| **target** | 0.85 | 0.80 | 0.88 | 0.70 |", ""]
    targets = {"theme micro-F1": ("theme_micro_f1", 0.85), "theme macro-F1": ("theme_macro_f1", 0.80),
               "polarity accuracy": ("polarity_accuracy", 0.88), "polarity macro-F1": ("polarity_macro_f1", 0.70)}
    met = [f"{k} {comb[key]:.3f} (target {t:.2f})" for k, (key, t) in targets.items() if comb[key] >= t]
    short = [f"{k} {comb[key]:.3f}, {t - comb[key]:.3f} short of {t:.2f}" for k, (key, t) in targets.items()
             if comb[key] < t]
    lines += ["### Against the targets", "",
              "- Met: " + ("; ".join(met) if met else "none") + ".",
              "- **Not met**: " + ("; ".join(short) if short else "none") + ".", ""]
    if short:
        lines += WHY_SHORT + [""]
    if rep.get("cross_validation"):
        lines += ["## Grouped 5-fold cross-validation on the training data (by document)", "",
                  "| tagger | theme micro-F1 | theme macro-F1 | polarity accuracy | polarity macro-F1 |",
                  "|---|---|---|---|---|"]
        lines += [row(k, v) for k, v in rep["cross_validation"].items()]
        lines.append("")
    lines += ["## Per-theme results of the shipped (combined) tagger on the gold file", "",
              "| theme | precision | recall | F1 | gold support | F1 rules only | F1 model only |", "|---|---|---|---|---|---|---|"]
    for t, v in comb["per_theme"].items():
        lines.append(f"| {t} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} | "
                     f"{res['keyword baseline (rules only)']['per_theme'][t]['f1']:.3f} | "
                     f"{res['model only (TF-IDF, no rule features)']['per_theme'][t]['f1']:.3f} |")
    lines += ["", "Polarity confusion of the shipped tagger (rows: gold; columns: predicted):", "",
              "| | " + " | ".join(comb["polarity_confusion"]) + " |", "|---" * 5 + "|"]
    for g, r in comb["polarity_confusion"].items():
        lines.append(f"| {g} | " + " | ".join(str(r[p]) for p in comb["polarity_confusion"]) + " |")
    lines += ["", "## Thresholds", "", "`" + json.dumps(rep["thresholds"]) + "`", ""]
    (ROOT / "models" / "README.md").write_text("\n".join(lines))
    (ROOT / "models" / "evaluation.json").write_text(json.dumps({"gold": res, "cv": rep.get("cross_validation"),
                                                                 "agreement": agree}, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
