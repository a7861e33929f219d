"""Fit the context stage of the tagger (models/context.json) and say what it is worth.

    python scripts/train_context.py [--shared ../shared] [--folds 5] [--cache DIR]

1. Each labelled real-report sentence (corpus/annotations/real-refs-*.jsonl; never a gold
   report) is found in its parsed report: its section kind, the finding before it in the
   same section, and the document's kind and framework.
2. Grouped k-fold by report: the sentence model is fitted without a fold's reports (plus the
   sample-corpus and written example sentences) and scores that fold's sentences and the
   sentences before them: held-out scores, as on a new report. ``--folds N`` uses the first
   N folds only (each is a full fit; ~3-10 minutes on a busy 2-core machine).
3. The context stage (one small logistic regression per theme over the held-out score, the
   previous finding's score, section kind, document kind) is chosen by grouped
   cross-validation on those held-out sentences: the script prints theme micro/macro-F1 of
   the sentence model alone and with the context stage, and fits the shipped stage on all
   of them only if it does better.
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ofsted_mine.tag.annotations import load_annotations, resolve_ref  # noqa: E402
from ofsted_mine.tag.context import ContextModel, doc_key  # noqa: E402
from ofsted_mine.tag.evaluate import score  # noqa: E402
from ofsted_mine.tag.taxonomy import load_taxonomy  # noqa: E402
from ofsted_mine.tag.train import gold_reports  # noqa: E402


def labelled_in_context(reports_root: Path, exclude: set[str]) -> list[dict]:
    """Labelled real-report sentences with their context in the parsed report."""
    from ofsted_mine.parse import parse
    from ofsted_mine.read import read_file

    files = sorted(
        p
        for p in glob.glob(str(ROOT / "corpus" / "annotations" / "real-refs-*.jsonl"))
        if not p.endswith(".second.jsonl")
    )
    by = collections.defaultdict(list)
    for p in files:
        for line in Path(p).read_text("utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                if d["ref"]["report"] not in exclude:
                    by[d["ref"]["report"]].append(d)
    out = []
    for rep, ds in by.items():
        path = reports_root / rep
        if not path.exists():
            continue
        doc = parse(read_file(str(path)))
        F = doc.findings
        for d in ds:
            text = resolve_ref(d["ref"], reports_root)
            if text is None:
                continue
            s, e = d["ref"]["start"], d["ref"]["end"]
            best, bo = None, 0
            for i, f in enumerate(F):
                o = min(e, f.end) - max(s, f.start)
                if o > bo:
                    best, bo = i, o
            f = F[best] if best is not None else None
            prev = (
                F[best - 1].text if f is not None and best > 0 and F[best - 1].section == f.section else None
            )
            out.append(
                {
                    "text": text,
                    "themes": d["themes"],
                    "polarity": d["polarity"],
                    "report": rep,
                    "section_kind": f.section_kind if f else None,
                    "heading": f.section if f else None,
                    "prev": prev,
                    "doc": doc_key(doc.visit.kind, doc.visit.framework),
                }
            )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument(
        "--cache", default=None, help="keep each fold's held-out scores here (re-runs reuse them)"
    )
    ap.add_argument("--out", default=str(ROOT / "models" / "context.json"))
    ap.add_argument(
        "--tune",
        action="store_true",
        help="fit each fold's sentence model with its inner calibration folds (6x slower); by default "
        "the folds' raw decision values are used and the context stage calibrates them itself",
    )
    a = ap.parse_args()
    from sklearn.model_selection import GroupKFold

    from ofsted_mine.tag.classifier import TaggerModel
    from ofsted_mine.tag.rules import RuleMatcher

    shared = Path(a.shared)
    t0 = time.time()
    tax = load_taxonomy()
    X = labelled_in_context(shared / "ofsted-reports", gold_reports(shared))
    syn, _ = load_annotations(sorted(glob.glob(str(ROOT / "corpus" / "annotations" / "synthetic-*.jsonl"))))
    corp, _ = load_annotations([ROOT / "corpus" / "annotations" / "corpus-labels.jsonl"])
    print(f"{len(X)} labelled report sentences in context ({time.time() - t0:.0f} s)", flush=True)
    texts, groups = [o["text"] for o in X], [o["report"] for o in X]
    matcher = RuleMatcher(tax)
    parts = []
    for k, (tr, te) in enumerate(GroupKFold(5).split(texts, groups=groups)):
        if k >= a.folds:
            break
        cache = Path(a.cache) / f"fold{k}{'-tuned' if a.tune else ''}.npz" if a.cache else None
        if cache and cache.exists():
            z = np.load(cache)
            parts.append((te, z["own"], z["prev"], z["thr"], z["qown"], z["qprev"], list(z["classes"])))
            print(f"fold {k}: cached", flush=True)
            continue
        tr_x = [X[i] for i in tr]
        T = [o["text"] for o in tr_x] + [e.text for e in corp] + [e.text for e in syn]
        TH = [o["themes"] for o in tr_x] + [e.themes for e in corp] + [e.themes for e in syn]
        PO = [o["polarity"] for o in tr_x] + [e.polarity for e in corp] + [e.polarity for e in syn]
        SY = [False] * (len(tr_x) + len(corp)) + [True] * len(syn)
        m = TaggerModel(tax, tune=a.tune).fit(T, TH, PO, matcher=matcher, synthetic=SY)
        A = [X[i]["text"] for i in te]
        B = [X[i]["prev"] or "" for i in te]
        own, qown = m.predict_proba(A, matcher.match_many(A))
        prev, qprev = m.predict_proba(B, matcher.match_many(B))
        thr = np.array([m.thresholds.get(t, 0.5) for t in tax.ids])
        classes = [str(c) for c in m.polarity_classes]
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, own=own, prev=prev, thr=thr, qown=qown, qprev=qprev, classes=np.array(classes))
        parts.append((te, own, prev, thr, qown, qprev, classes))
        print(
            f"fold {k}: fitted and scored {len(te)} held-out sentences ({time.time() - t0:.0f} s)", flush=True
        )
    idx = np.concatenate([p[0] for p in parts])
    own = np.vstack([p[1] for p in parts])
    prev = np.vstack([p[2] for p in parts])
    base_pred = np.vstack([p[1] >= p[3] for p in parts])
    rows = [X[i] for i in idx]
    has = np.array([o["prev"] is not None for o in rows])
    Y = np.array([[t in o["themes"] for t in tax.ids] for o in rows], dtype=int)
    cm = ContextModel.fit(
        own,
        prev,
        has,
        [o["section_kind"] for o in rows],
        [o["doc"] for o in rows],
        Y,
        tax.ids,
        [o["report"] for o in rows],
    )
    oof = cm.info.pop("oof")
    thr = np.array([cm.thresholds[t] for t in tax.ids])
    gold = [{"themes": o["themes"], "polarity": o["polarity"]} for o in rows]
    alone = score(
        gold,
        [
            {"themes": [t for j, t in enumerate(tax.ids) if base_pred[i, j]], "polarity": g["polarity"]}
            for i, g in enumerate(gold)
        ],
        tax.ids,
    )
    ctx = score(
        gold,
        [
            {"themes": [t for j, t in enumerate(tax.ids) if oof[i, j] >= thr[j]], "polarity": g["polarity"]}
            for i, g in enumerate(gold)
        ],
        tax.ids,
    )
    print(
        f"held-out sentences: {len(rows)} from {len(set(o['report'] for o in rows))} reports ({len(parts)} folds)"
    )
    print(
        f"sentence model alone : theme micro-F1 {alone['theme_micro_f1']:.3f} macro-F1 {alone['theme_macro_f1']:.3f}"
    )
    print(
        f"with context stage   : theme micro-F1 {ctx['theme_micro_f1']:.3f} macro-F1 {ctx['theme_macro_f1']:.3f} "
        "(grouped 5-fold CV of the stage on the held-out scores)"
    )
    cm.info.update(
        {
            "held_out_sentences": len(rows),
            "folds": len(parts),
            "cv_alone": {k: alone[k] for k in ("theme_micro_f1", "theme_macro_f1")},
            "cv_context": {k: ctx[k] for k in ("theme_micro_f1", "theme_macro_f1")},
            "per_theme_f1": {t: [alone["per_theme"][t]["f1"], ctx["per_theme"][t]["f1"]] for t in tax.ids},
        }
    )
    # polarity: the sentence model's class, or a context-aware one (chosen the same way)
    classes = parts[0][6]
    qown = np.vstack([p[4] for p in parts])
    qprev = np.vstack([p[5] for p in parts])
    pol_oof = cm.fit_polarity(
        qown,
        qprev,
        has,
        [o["section_kind"] for o in rows],
        [o["doc"] for o in rows],
        [o["polarity"] for o in rows],
        classes,
        [o["report"] for o in rows],
    )
    themes_of = lambda P, T: [[t for j, t in enumerate(tax.ids) if P[i, j] >= T[j]] for i in range(len(rows))]  # noqa: E731
    base_pol = score(gold, [{"themes": [], "polarity": classes[k]} for k in qown.argmax(axis=1)], tax.ids)
    ctx_pol = score(gold, [{"themes": [], "polarity": str(c)} for c in pol_oof], tax.ids)
    print(
        f"polarity alone       : accuracy {base_pol['polarity_accuracy']:.3f} macro-F1 {base_pol['polarity_macro_f1']:.3f}"
    )
    print(
        f"polarity with context: accuracy {ctx_pol['polarity_accuracy']:.3f} macro-F1 {ctx_pol['polarity_macro_f1']:.3f}"
    )
    use_pol = (
        ctx_pol["polarity_accuracy"] > base_pol["polarity_accuracy"]
        and ctx_pol["polarity_macro_f1"] >= base_pol["polarity_macro_f1"] - 0.005
    )
    if not use_pol:
        cm.pol_classes, cm.pol_coef, cm.pol_intercept = [], None, None
        print("context polarity does not beat the sentence model: polarity stays the sentence model's")
    cm.info.update(
        {
            "cv_polarity_alone": {k: base_pol[k] for k in ("polarity_accuracy", "polarity_macro_f1")},
            "cv_polarity_context": {k: ctx_pol[k] for k in ("polarity_accuracy", "polarity_macro_f1")},
            "polarity_used": bool(use_pol),
        }
    )
    use_themes = (
        ctx["theme_micro_f1"] > alone["theme_micro_f1"]
        and ctx["theme_macro_f1"] >= alone["theme_macro_f1"] - 0.005
    )
    if not use_themes:
        print(
            "the context stage does not beat the sentence model on themes: the sentence model's scores stand"
        )
    cm.info["themes_used"] = bool(use_themes)
    if use_themes or use_pol:
        cm.save(a.out)
        print(f"context stage -> {a.out}")
    else:
        print("nothing to gain: no context stage saved")


if __name__ == "__main__":
    main()
