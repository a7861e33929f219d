"""Features shared by training and prediction: rule hits as a sparse matrix."""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse

from .rules import RuleHits

_NEG = re.compile(r"\b(not|no|never|nor|lack|lacks|lacking|without|unable|insufficient|too)\b", re.I)
POL_KEYS = ("strength", "concern", "hedge", "contrast")


N_EXTRA = 10


def rule_matrix(hits: list[RuleHits], theme_ids: list[str], texts: list[str]) -> sparse.csr_matrix:
    """Per sentence: theme cue hits, polarity cue counts, negations, and clause structure
    (strength/concern cues before and after the first contrast word: "Although X is good,
    Y is weak" reads differently from "X is weak, although Y is good")."""
    rows, cols, vals = [], [], []
    nt = len(theme_ids)
    index = {t: i for i, t in enumerate(theme_ids)}
    for r, (h, text) in enumerate(zip(hits, texts)):
        for t, cues in h.themes.items():
            if t in index:
                rows.append(r)
                cols.append(index[t])
                vals.append(min(len(cues), 3) / 3.0 + 0.5)
        for k, key in enumerate(POL_KEYS):
            n = len(h.polarity.get(key, []))
            if n:
                rows.append(r)
                cols.append(nt + k)
                vals.append(min(n, 4) / 4.0)
        n = len(_NEG.findall(text))
        if n:
            rows.append(r)
            cols.append(nt + 4)
            vals.append(min(n, 3) / 3.0)
        contrast = h.polarity.get("contrast", [])
        strong, conc = (
            h.polarity.get("strength", []),
            h.polarity.get("concern", []) + h.polarity.get("hedge", []),
        )
        if contrast:
            at = contrast[0][1]
            if at < 3:  # "Although X, Y": the clauses split at the comma
                comma = text.find(",", at)
                at = comma if comma > 0 else at
            feats = (
                sum(1 for c in strong if c[1] < at),
                sum(1 for c in strong if c[1] > at),
                sum(1 for c in conc if c[1] < at),
                sum(1 for c in conc if c[1] > at),
            )
            for k, v in enumerate(feats):
                if v:
                    rows.append(r)
                    cols.append(nt + 5 + k)
                    vals.append(min(v, 3) / 3.0)
            if strong and conc:
                rows.append(r)
                cols.append(nt + 9)
                vals.append(1.0)
    return sparse.csr_matrix(
        (np.array(vals, dtype=np.float64), (rows, cols)), shape=(len(hits), nt + 5 + N_EXTRA - 5)
    )
