"""Fit the context stage of the tagger (models/context.json) and say what it is worth.

    python scripts/train_context.py [--shared ../shared] [--folds 5] [--cache DIR] [--tune]

1. Each labelled real-report sentence (corpus/annotations/real-refs-*.jsonl; never a gold
   report) is found in its parsed report: its section kind and heading, the finding before it
   in the same section, and the document's kind and framework.
2. Grouped k-fold by report: the sentence model is fitted without a fold's reports (plus the
   sample-corpus and written example sentences) and scores that fold's sentences and the
   findings before them: held-out scores, as on a new report. ``--folds N`` uses the first N
   folds only. Without ``--tune`` each fold's model skips its inner calibration folds and
   gives raw decision values (the stage calibrates them itself): one fit instead of six,
   12-15 minutes per fold on the loaded 2-core machine of session 6. ``--cache DIR`` keeps
   each fold's scores (and the parsed sentences) so re-runs cost seconds.
3. The stage's variants (themes: sentence score alone, with context, with the heading-cue and
   refers-back features; polarity: the sentence model's, with context, with the opener
   features) are scored by grouped 5-fold cross-validation on those held-out sentences; the
   best by CV (micro-F1; polarity accuracy with the context rules applied after it) is saved.
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
from ofsted_mine.tag.context import doc_key  # noqa: E402
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
                    "bullet": bool(f.is_bullet) if f else False,
                    "doc": doc_key(doc.visit.kind, doc.visit.framework),
                }
            )
    return out


def held_out_scores(X: list[dict], tax, folds: int, cache_dir: str | None, tune: bool) -> list[tuple]:
    """Grouped k-fold by report: for each fold, a sentence model fitted without its reports
    (plus the sample-corpus and written example sentences) scores its sentences and the
    findings before them. Returns (test indices, theme scores, previous finding's theme
    scores, polarity probabilities, previous polarity probabilities, polarity classes) per
    fold; raw theme scores (no Platt calibration), as the context stage takes them."""
    from sklearn.model_selection import GroupKFold

    from ofsted_mine.tag.classifier import TaggerModel
    from ofsted_mine.tag.rules import RuleMatcher

    syn, _ = load_annotations(sorted(glob.glob(str(ROOT / "corpus" / "annotations" / "synthetic-*.jsonl"))))
    corp, _ = load_annotations([ROOT / "corpus" / "annotations" / "corpus-labels.jsonl"])
    texts, groups = [o["text"] for o in X], [o["report"] for o in X]
    matcher = RuleMatcher(tax)
    parts = []
    t0 = time.time()
    for k, (tr, te) in enumerate(GroupKFold(5).split(texts, groups=groups)):
        if k >= folds:
            break
        cache = Path(cache_dir) / f"fold{k}{'-tuned' if tune else ''}.npz" if cache_dir else None
        if cache and cache.exists():
            z = np.load(cache)
            parts.append((te, z["own"], z["prev"], z["qown"], z["qprev"], [str(c) for c in z["classes"]]))
            print(f"fold {k}: cached", flush=True)
            continue
        tr_x = [X[i] for i in tr]
        T = [o["text"] for o in tr_x] + [e.text for e in corp] + [e.text for e in syn]
        TH = [o["themes"] for o in tr_x] + [e.themes for e in corp] + [e.themes for e in syn]
        PO = [o["polarity"] for o in tr_x] + [e.polarity for e in corp] + [e.polarity for e in syn]
        SY = [False] * (len(tr_x) + len(corp)) + [True] * len(syn)
        m = TaggerModel(tax, tune=tune).fit(T, TH, PO, matcher=matcher, synthetic=SY)
        A = [X[i]["text"] for i in te]
        B = [X[i]["prev"] or "" for i in te]
        own, qown = m.predict_proba(A, matcher.match_many(A), raw=True)
        prev, qprev = m.predict_proba(B, matcher.match_many(B), raw=True)
        classes = [str(c) for c in m.polarity_classes]
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, own=own, prev=prev, qown=qown, qprev=qprev, classes=np.array(classes))
        parts.append((te, own, prev, qown, qprev, classes))
        print(
            f"fold {k}: fitted and scored {len(te)} held-out sentences ({time.time() - t0:.0f} s)", flush=True
        )
    return parts


def _summary(m: dict) -> dict:
    return {k: m[k] for k in ("theme_micro_f1", "theme_macro_f1", "polarity_accuracy", "polarity_macro_f1")}


def with_rules(rows: list[dict], pols: list[str], tax) -> list[str]:
    """Polarity after the documented context rules (``context_polarity``), as at ingest."""
    from ofsted_mine.tag.rules import RuleMatcher
    from ofsted_mine.tag.tagger import context_polarity

    hits = RuleMatcher(tax).match_many([o["text"] for o in rows])
    out = []
    for o, h, p in zip(rows, hits, pols):
        r = context_polarity(o["text"], h, p, o["section_kind"], o["heading"] or "", o["bullet"])
        out.append(r[0] if r else p)
    return out


def choose_themes(S: dict, rows: list[dict], tax, log) -> tuple:
    """Fit the theme stage's variants and choose by grouped CV micro-F1 (macro-F1 may not fall
    by more than 0.005): the sentence score alone (calibration and thresholds only), with
    section/previous-finding/document context, and with the heading-cue and refers-back
    features too."""
    from ofsted_mine.tag.context import THEME_EXTRAS, ContextModel

    gold = [{"themes": o["themes"], "polarity": o["polarity"]} for o in rows]
    common = dict(
        own=S["own"],
        prev=S["prev"],
        has_prev=S["has"],
        sections=S["sections"],
        docs=S["docs"],
        Y=S["Y"],
        theme_ids=tax.ids,
        groups=S["groups"],
        heading_hits=S["H"],
        texts=S["texts"],
        raw_scores=True,
    )
    variants = {
        "alone": dict(use_context=False),
        "context": dict(),
        "context+extras": dict(extras=list(THEME_EXTRAS)),
        "context+extras C=0.3": dict(extras=list(THEME_EXTRAS), C=0.3),
    }
    res, models = {}, {}
    for name, kw in variants.items():
        cm = ContextModel.fit(**common, **kw)
        oof = cm.info.pop("oof")
        thr = np.array([cm.thresholds[t] for t in tax.ids])
        pred = [
            {"themes": [t for j, t in enumerate(tax.ids) if oof[i, j] >= thr[j]]} for i in range(len(rows))
        ]
        m = score(gold, [dict(p, polarity=g["polarity"]) for p, g in zip(pred, gold)], tax.ids)
        res[name], models[name] = m, cm
        log(f"themes {name:22}: micro-F1 {m['theme_micro_f1']:.3f} macro-F1 {m['theme_macro_f1']:.3f}")
    base = res["alone"]
    ok = [n for n in res if res[n]["theme_macro_f1"] >= base["theme_macro_f1"] - 0.005]
    best = max(ok, key=lambda n: res[n]["theme_micro_f1"])
    return best, models[best], res


def choose_polarity(cm, S: dict, rows: list[dict], tax, log) -> tuple:
    """Fit the polarity stage's variants and choose by grouped CV accuracy with the documented
    context rules applied after each, as at ingest (macro-F1 may not fall by more than 0.005):
    the sentence model's class, with context (class-weighted or not), with the opener
    features too."""
    from ofsted_mine.tag.context import POLARITY_EXTRAS

    gold = [{"themes": [], "polarity": o["polarity"]} for o in rows]
    classes = S["classes"]
    preds = {"alone": [classes[k] for k in S["qown"].argmax(axis=1)]}
    fitted = {}
    for name, extras, weight in (
        ("context", [], "balanced"),
        ("context unweighted", [], None),
        ("context+openers unweighted", list(POLARITY_EXTRAS), None),
    ):
        oof = cm.fit_polarity(
            S["qown"], S["qprev"], S["has"], S["sections"], S["docs"], [o["polarity"] for o in rows],
            classes, S["groups"], texts=S["texts"], pol_extras=extras, class_weight=weight,
        )  # fmt: skip
        preds[name] = [str(c) for c in oof]
        fitted[name] = (list(cm.pol_classes), cm.pol_coef, cm.pol_intercept, list(cm.pol_extras))
    res, ruled = {}, {}
    for name, p in preds.items():
        res[name] = score(gold, [{"themes": [], "polarity": x} for x in p], tax.ids)
        ruled[name] = score(gold, [{"themes": [], "polarity": x} for x in with_rules(rows, p, tax)], tax.ids)
        log(
            f"polarity {name:26}: accuracy {res[name]['polarity_accuracy']:.3f} "
            f"macro-F1 {res[name]['polarity_macro_f1']:.3f}; with the context rules "
            f"{ruled[name]['polarity_accuracy']:.3f} / {ruled[name]['polarity_macro_f1']:.3f}"
        )
    # chosen on the figures with the context rules applied after the stage, as at ingest
    base = ruled["alone"]
    ok = [n for n in ruled if ruled[n]["polarity_macro_f1"] >= base["polarity_macro_f1"] - 0.005]
    best = max(ok, key=lambda n: (ruled[n]["polarity_accuracy"], n == "alone"))
    if best == "alone":
        cm.pol_classes, cm.pol_coef, cm.pol_intercept, cm.pol_extras = [], None, None, []
    else:
        cm.pol_classes, cm.pol_coef, cm.pol_intercept, cm.pol_extras = fitted[best]
    return best, res, ruled


def main() -> None:
    """Fit, choose and save the context stage (see the module's docstring)."""
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
    from ofsted_mine.tag.context import heading_cues
    from ofsted_mine.tag.rules import RuleMatcher

    shared = Path(a.shared)
    t0 = time.time()
    tax = load_taxonomy()
    rows_cache = Path(a.cache) / "rows.json" if a.cache else None
    if rows_cache and rows_cache.exists():
        X = json.loads(rows_cache.read_text("utf-8"))
    else:
        X = labelled_in_context(shared / "ofsted-reports", gold_reports(shared))
        if rows_cache:  # report text: kept in the scratch cache only, never in the repository
            rows_cache.parent.mkdir(parents=True, exist_ok=True)
            rows_cache.write_text(json.dumps(X), "utf-8")
    print(f"{len(X)} labelled report sentences in context ({time.time() - t0:.0f} s)", flush=True)
    parts = held_out_scores(X, tax, a.folds, a.cache, a.tune)
    rows = [X[i] for i in np.concatenate([p[0] for p in parts])]
    S = {
        "own": np.vstack([p[1] for p in parts]),
        "prev": np.vstack([p[2] for p in parts]),
        "qown": np.vstack([p[3] for p in parts]),
        "qprev": np.vstack([p[4] for p in parts]),
        "classes": parts[0][5],
        "has": np.array([o["prev"] is not None for o in rows]),
        "Y": np.array([[t in o["themes"] for t in tax.ids] for o in rows], dtype=int),
        "sections": [o["section_kind"] for o in rows],
        "docs": [o["doc"] for o in rows],
        "groups": [o["report"] for o in rows],
        "texts": [o["text"] for o in rows],
        "H": heading_cues([o["heading"] for o in rows], RuleMatcher(tax), tax.ids),
    }
    print(
        f"held-out sentences: {len(rows)} from {len(set(S['groups']))} reports ({len(parts)} folds); "
        "each stage below is scored by grouped 5-fold CV on them",
        flush=True,
    )
    best, cm, theme_res = choose_themes(S, rows, tax, print)
    pbest, pol_res, pol_ruled = choose_polarity(cm, S, rows, tax, print)
    cm.info = {
        "n": len(rows),
        "held_out_sentences": len(rows),
        "reports": len(set(S["groups"])),
        "folds": len(parts),
        "fold_models": "tuned" if a.tune else "raw decision values (no inner calibration folds)",
        "themes_variant": best,
        "themes_used": best != "alone",
        "polarity_variant": pbest,
        "polarity_used": pbest != "alone",
        "cv_themes": {
            k: {x: v[x] for x in ("theme_micro_f1", "theme_macro_f1")} for k, v in theme_res.items()
        },
        "cv_polarity": {
            k: {x: v[x] for x in ("polarity_accuracy", "polarity_macro_f1")} for k, v in pol_res.items()
        },
        "cv_polarity_with_rules": {
            k: {x: v[x] for x in ("polarity_accuracy", "polarity_macro_f1")} for k, v in pol_ruled.items()
        },
        "per_theme_f1": {
            t: [theme_res["alone"]["per_theme"][t]["f1"], theme_res[best]["per_theme"][t]["f1"]]
            for t in tax.ids
        },
        "corrections_used": False,
    }
    print(f"chosen: themes {best}, polarity {pbest}")
    if cm.info["themes_used"] or cm.info["polarity_used"]:
        cm.save(a.out)
        print(f"context stage -> {a.out} ({time.time() - t0:.0f} s)")
    else:
        print("nothing to gain: no context stage saved")


if __name__ == "__main__":
    main()
