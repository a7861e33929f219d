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
    """Per-theme precision/recall/F1, theme micro- and macro-F1 (macro over the themes the
    gold labels use), polarity accuracy, per-class and macro F1 (over the four polarities)
    and the confusion matrix, computed with scikit-learn's metrics.

    ``gold``/``pred``: aligned lists of ``{"themes": [...], "polarity": ...}``."""
    import numpy as np
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    Yg = np.array([[t in g["themes"] for t in theme_ids] for g in gold], dtype=int).reshape(
        -1, len(theme_ids)
    )
    Yp = np.array([[t in p["themes"] for t in theme_ids] for p in pred], dtype=int).reshape(
        -1, len(theme_ids)
    )
    per: dict[str, dict] = {}
    micro = macro = 0.0
    if len(gold) and theme_ids:
        prec, rec, f1, sup = precision_recall_fscore_support(Yg, Yp, average=None, zero_division=0.0)
        per = {
            t: {
                "precision": round(float(prec[j]), 3),
                "recall": round(float(rec[j]), 3),
                "f1": round(float(f1[j]), 3),
                "support": int(sup[j]),
            }
            for j, t in enumerate(theme_ids)
        }
        micro = float(f1_score(Yg, Yp, average="micro", zero_division=0.0))
        macro = float(f1[sup > 0].mean()) if (sup > 0).any() else 0.0
    else:
        per = {t: {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0} for t in theme_ids}
    labels = list(POLARITIES)
    g_pol = [g["polarity"] for g in gold]
    p_pol = [p["polarity"] for p in pred]
    conf = {g: {p: 0 for p in labels} for g in labels}
    pf = {c: 0.0 for c in labels}
    acc = pmacro = 0.0
    if gold:
        C = confusion_matrix(g_pol, p_pol, labels=labels)
        conf = {g: {p: int(C[i, k]) for k, p in enumerate(labels)} for i, g in enumerate(labels)}
        acc = float(accuracy_score(g_pol, p_pol))
        f = f1_score(g_pol, p_pol, labels=labels, average=None, zero_division=0.0)
        pf = {c: round(float(f[i]), 3) for i, c in enumerate(labels)}
        pmacro = float(np.mean(f))
    return {
        "n": len(gold),
        "theme_micro_f1": round(micro, 4),
        "theme_macro_f1": round(macro, 4),
        "per_theme": per,
        "polarity_accuracy": round(acc, 4),
        "polarity_macro_f1": round(pmacro, 4),
        "polarity_f1": pf,
        "polarity_confusion": conf,
    }


def evaluate_tagger(tagger, gold: list[dict]) -> dict:
    """Tag the gold sentences one by one (no context) and :func:`score` the result."""
    res = tagger.tag([g["text"] for g in gold])
    pred = [{"themes": [t.theme for t in r.tags], "polarity": r.polarity} for r in res]
    return score(gold, pred, tagger.taxonomy.ids)


def format_report(m: dict, title: str = "") -> str:
    """A plain-text report of :func:`score`'s figures."""
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
