"""Honest evaluation: per-theme precision/recall/F1, micro/macro F1, polarity accuracy,
macro-F1 and confusion matrix, on a gold JSONL file (never trained on)."""

from __future__ import annotations

import json
from pathlib import Path

from .taxonomy import POLARITIES


def read_jsonl_lines(path: str | Path) -> list[str]:
    """The lines of a UTF-8 JSONL file; a missing, unreadable or non-UTF-8 file, or a folder, is
    an InputError naming it."""
    from ..errors import InputError

    p = Path(path)
    try:
        return p.read_text("utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a folder, not a JSONL file") from None
    except UnicodeDecodeError:
        raise InputError(f"{p}: not a UTF-8 text file") from None
    except OSError as e:
        raise InputError(f"{p}: cannot read ({e.strerror or e})") from None


def read_gold(path: str | Path) -> list[dict]:
    """Gold sentences, one JSON object per line; a missing, unreadable or malformed file is an
    InputError naming the file (and line)."""
    from ..errors import InputError

    p = Path(path)
    lines = read_jsonl_lines(p)
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{p}:{n}: not JSON ({e.msg})") from None
        if not isinstance(d, dict) or "text" not in d:
            raise InputError(f'{p}:{n}: each line needs a "text" field (and "themes", "polarity")')
        d.setdefault("themes", [])
        d.setdefault("polarity", "neutral")
        out.append(d)
    if not out:
        raise InputError(f"{p}: no gold sentences in this file")
    return out


def score(gold: list[dict], pred: list[dict], theme_ids: list[str]) -> dict:
    """gold/pred: aligned lists of {"themes": [...], "polarity": ...}."""
    per = {}
    TP = FP = FN = 0
    for t in theme_ids:
        tp = sum(1 for g, p in zip(gold, pred) if t in g["themes"] and t in p["themes"])
        fp = sum(1 for g, p in zip(gold, pred) if t not in g["themes"] and t in p["themes"])
        fn = sum(1 for g, p in zip(gold, pred) if t in g["themes"] and t not in p["themes"])
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[t] = {
            "precision": round(prec, 3),
            "recall": round(rec, 3),
            "f1": round(f1, 3),
            "support": tp + fn,
        }
        TP, FP, FN = TP + tp, FP + fp, FN + fn
    micro = 2 * TP / (2 * TP + FP + FN) if TP else 0.0
    supported = [v["f1"] for v in per.values() if v["support"] > 0]
    macro = sum(supported) / len(supported) if supported else 0.0
    labels = list(POLARITIES)
    conf = {g: {p: 0 for p in labels} for g in labels}
    for g, p in zip(gold, pred):
        conf.setdefault(g["polarity"], {q: 0 for q in labels})[p["polarity"]] = (
            conf.get(g["polarity"], {}).get(p["polarity"], 0) + 1
        )
    acc = sum(1 for g, p in zip(gold, pred) if g["polarity"] == p["polarity"]) / len(gold) if gold else 0.0
    pf = {}
    for c in labels:
        tp = conf[c][c]
        fp = sum(conf[g][c] for g in labels if g != c)
        fn = sum(conf[c][p] for p in labels if p != c)
        pr = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        pf[c] = round(2 * pr * rc / (pr + rc), 3) if pr + rc else 0.0
    return {
        "n": len(gold),
        "theme_micro_f1": round(micro, 4),
        "theme_macro_f1": round(macro, 4),
        "per_theme": per,
        "polarity_accuracy": round(acc, 4),
        "polarity_macro_f1": round(sum(pf.values()) / len(pf), 4),
        "polarity_f1": pf,
        "polarity_confusion": conf,
    }


def evaluate_tagger(tagger, gold: list[dict]) -> dict:
    res = tagger.tag([g["text"] for g in gold])
    pred = [{"themes": [t.theme for t in r.tags], "polarity": r.polarity} for r in res]
    return score(gold, pred, tagger.taxonomy.ids)


def format_report(m: dict, title: str = "") -> str:
    lines = [title] if title else []
    lines.append(f"sentences: {m['n']}")
    lines.append(f"theme micro-F1 {m['theme_micro_f1']:.3f}   macro-F1 {m['theme_macro_f1']:.3f}")
    lines.append(f"polarity accuracy {m['polarity_accuracy']:.3f}   macro-F1 {m['polarity_macro_f1']:.3f}")
    lines.append(f"\n{'theme':24} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}")
    for t, v in m["per_theme"].items():
        lines.append(f"{t:24} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['support']:5}")
    labels = list(m["polarity_confusion"])
    lines.append("\npolarity confusion (rows gold, columns predicted)")
    lines.append(f"{'':10}" + "".join(f"{p:>10}" for p in labels))
    for g in labels:
        lines.append(f"{g:10}" + "".join(f"{m['polarity_confusion'][g].get(p, 0):>10}" for p in labels))
    return "\n".join(lines)
