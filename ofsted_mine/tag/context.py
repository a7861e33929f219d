"""The context a reader uses, as a learned second stage over the sentence model.

A sentence's theme scores from the sentence model (:class:`~.classifier.TaggerModel`) are
combined with its context by one small logistic regression per theme:

* the sentence's own score for the theme (as a logit),
* the previous finding's score for the theme in the same section ("These plans …" after a
  sentence about care leavers' pathway plans), and whether there is one,
* the section kind (a finding under "The experiences and progress of care leavers" is
  probably about care leavers), and
* the document's kind and framework (conventions changed between SIF and ILACS), and,
  optionally (``extras``):
* whether the section's heading holds one of the theme's cue phrases ("Care leavers",
  "Adoption"), and
* the previous finding's score again when the sentence opens by referring back to it
  ("This …", "These …", "They …", "Such …").

The polarity part sees the sentence model's polarity probabilities of the sentence and of
the finding before it, section and document kind and, optionally, whether the sentence
opens with a contrast ("However, …") or a consequence ("This means that …") of the one
before (each crossed with the previous finding's polarity).

It is fitted on **held-out** sentence-model scores of labelled report sentences (a model
fitted without their documents scores them: grouped by document), so it learns how far to
trust a score on a new report, and its thresholds are chosen by grouped cross-validation on
those sentences (``scripts/train_context.py``). It is saved as plain arrays (JSON) and costs
one small matrix product per batch. Without context (``tag(texts)`` alone, ``explain``,
``classify``) the sentence model decides alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

_EPS = 1e-4


#: optional per-theme features of the theme stage, and of the polarity stage
THEME_EXTRAS = ("heading_cue", "refers_back")
POLARITY_EXTRAS = ("contrast_open", "consequence_open")

_OPEN = r"^\W{0,3}(?:\(?[a-z0-9]{1,3}[.)]\s+)?"
REFERS_BACK = re.compile(
    _OPEN + r"(?:this|these|they|their|it|its|such|those|this means|as a result)\b", re.I
)
CONTRAST_OPEN = re.compile(_OPEN + r"(?:however|but|although|though|despite|nevertheless|yet)\b", re.I)
CONSEQUENCE_OPEN = re.compile(
    _OPEN + r"(?:this means|this has|this is|as a result|consequently|therefore|this leads|this results)\b",
    re.I,
)


def opener_flags(texts: list[str]) -> dict[str, np.ndarray]:
    """How each sentence opens: ``refers_back`` ("This …", "These …"), ``contrast``
    ("However, …") and ``consequence`` ("This means that …"), as 0/1 arrays."""
    return {
        "refers_back": np.array([bool(REFERS_BACK.match(t)) for t in texts], dtype=float),
        "contrast": np.array([bool(CONTRAST_OPEN.match(t)) for t in texts], dtype=float),
        "consequence": np.array([bool(CONSEQUENCE_OPEN.match(t)) for t in texts], dtype=float),
    }


def heading_cues(headings: list[str | None], matcher, theme_ids: list[str]) -> np.ndarray:
    """[n x themes]: 1 where the heading holds a cue phrase of the theme (the rule matcher's)."""
    uniq = sorted({h for h in headings if h})
    col = {t: j for j, t in enumerate(theme_ids)}
    row = {h: i for i, h in enumerate(uniq)}
    H = np.zeros((len(uniq), len(theme_ids)))
    for i, hits in enumerate(matcher.match_many(uniq) if uniq else []):
        for t in hits.themes:
            if t in col:
                H[i, col[t]] = 1.0
    out = np.zeros((len(headings), len(theme_ids)))
    for r, h in enumerate(headings):
        if h:
            out[r] = H[row[h]]
    return out


def _plain(a: np.ndarray | None) -> list | None:
    """An array as nested lists of 6-decimal floats (for JSON)."""
    return None if a is None else np.round(a, 6).tolist()


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), with p clipped away from 0 and 1."""
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def doc_key(kind: str | None, framework: str | None) -> str:
    """A document's kind and framework as one feature value: ``"inspection/ilacs"``."""
    return f"{kind or '?'}/{framework or '?'}"


@dataclass
class ContextModel:
    """The learned context stage: per-theme and polarity logistic regressions over the
    sentence model's scores and the sentence's context (see the module's docstring).

    ``raw_scores``: the theme part takes the sentence model's uncalibrated scores (its
    decision values through a sigmoid; Platt calibration is then the stage's own job), as
    the held-out fold models it was fitted on gave them."""

    theme_ids: list[str]
    sections: list[str]  # section kinds seen in training (others: no section feature)
    doc_keys: list[str]  # "kind/framework" seen in training
    coef: np.ndarray  # [themes x features]
    intercept: np.ndarray  # [themes]
    thresholds: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)
    pol_classes: list = field(default_factory=list)  # empty: polarity stays the sentence model's
    pol_coef: np.ndarray | None = None  # [classes x (2k + 1 + sections + docs)]
    pol_intercept: np.ndarray | None = None
    extras: list[str] = field(default_factory=list)  # optional theme features (THEME_EXTRAS)
    pol_extras: list[str] = field(default_factory=list)  # optional polarity features (POLARITY_EXTRAS)
    raw_scores: bool = False

    @property
    def n_features(self) -> int:
        """Features per (sentence, theme)."""
        return 3 + len(self.sections) + len(self.doc_keys) + len(self.extras)

    def _one_hot(self, X: np.ndarray, at: int, sections: list[str | None], docs: list[str]) -> None:
        """Set section-kind and document-kind indicators from column ``at`` of the last axis."""
        si = {s: i for i, s in enumerate(self.sections)}
        di = {d: i for i, d in enumerate(self.doc_keys)}
        for r, (s, d) in enumerate(zip(sections, docs)):
            if s in si:
                X[r, ..., at + si[s]] = 1.0
            if d in di:
                X[r, ..., at + len(self.sections) + di[d]] = 1.0

    def design(
        self,
        own: np.ndarray,
        prev: np.ndarray,
        has_prev: np.ndarray,
        sections: list[str | None],
        docs: list[str],
        heading_hits: np.ndarray | None = None,
        texts: list[str] | None = None,
    ) -> np.ndarray:
        """Features per (sentence, theme): [n x themes x features]. ``heading_hits``
        (:func:`heading_cues`) and ``texts`` feed the ``extras``; without them those are 0."""
        n, k = own.shape
        X = np.zeros((n, k, self.n_features))
        X[:, :, 0] = logit(own)
        X[:, :, 1] = np.where(has_prev[:, None], logit(prev), 0.0)
        X[:, :, 2] = has_prev[:, None]
        self._one_hot(X, 3, sections, docs)
        at = 3 + len(self.sections) + len(self.doc_keys)
        for e in self.extras:
            if e == "heading_cue" and heading_hits is not None:
                X[:, :, at] = heading_hits
            elif e == "refers_back" and texts is not None:
                X[:, :, at] = opener_flags(texts)["refers_back"][:, None] * X[:, :, 1]
            at += 1
        return X

    def predict(
        self,
        own: np.ndarray,
        prev: np.ndarray,
        has_prev: np.ndarray,
        sections: list[str | None],
        docs: list[str],
        heading_hits: np.ndarray | None = None,
        texts: list[str] | None = None,
    ) -> np.ndarray:
        """Context-aware theme probabilities [n x themes]."""
        X = self.design(own, prev, has_prev, sections, docs, heading_hits, texts)
        z = np.einsum("nkf,kf->nk", X, self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def pol_design(
        self,
        own: np.ndarray,
        prev: np.ndarray,
        has_prev: np.ndarray,
        sections: list[str | None],
        docs: list[str],
        texts: list[str] | None = None,
    ) -> np.ndarray:
        """Polarity features: log-probabilities of the sentence and of the finding before it,
        whether there is one, section kind and document kind, and the ``pol_extras``: an
        opening contrast or consequence, alone and crossed with the previous finding's."""
        n, k = own.shape
        ns, nd = len(self.sections), len(self.doc_keys)
        X = np.zeros((n, 2 * k + 1 + ns + nd + (k + 1) * len(self.pol_extras)))
        X[:, :k] = np.log(np.clip(own, _EPS, 1.0))
        X[:, k : 2 * k] = np.where(has_prev[:, None], np.log(np.clip(prev, _EPS, 1.0)), 0.0)
        X[:, 2 * k] = has_prev
        self._one_hot(X, 2 * k + 1, sections, docs)
        at = 2 * k + 1 + ns + nd
        flags = opener_flags(texts) if texts is not None and self.pol_extras else {}
        for e in self.pol_extras:
            f = flags.get(e.replace("_open", ""))
            if f is not None:
                X[:, at] = f
                X[:, at + 1 : at + 1 + k] = f[:, None] * X[:, k : 2 * k]
            at += k + 1
        return X

    def predict_polarity(
        self,
        own: np.ndarray,
        prev: np.ndarray,
        has_prev: np.ndarray,
        sections: list[str | None],
        docs: list[str],
        texts: list[str] | None = None,
    ) -> np.ndarray | None:
        """Context-aware polarity probabilities [n x classes] (classes: ``pol_classes``), or None."""
        if not self.pol_classes or self.pol_coef is None:
            return None
        z = self.pol_design(own, prev, has_prev, sections, docs, texts) @ self.pol_coef.T + self.pol_intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> None:
        """Save as plain JSON (format 2: format 1 plus ``extras``, ``pol_extras``, ``raw_scores``)."""
        info = {k: v for k, v in self.info.items() if k != "oof"}
        d = {
            "format": 2,
            "theme_ids": self.theme_ids,
            "sections": self.sections,
            "doc_keys": self.doc_keys,
            "coef": _plain(self.coef),
            "intercept": _plain(self.intercept),
            "thresholds": self.thresholds,
            "info": info,
            "pol_classes": self.pol_classes,
            "pol_coef": _plain(self.pol_coef),
            "pol_intercept": _plain(self.pol_intercept),
            "extras": self.extras,
            "pol_extras": self.pol_extras,
            "raw_scores": self.raw_scores,
        }
        Path(path).write_text(json.dumps(d, indent=0))

    @staticmethod
    def load(path: str | Path) -> ContextModel:
        """Load a saved stage (format 1 or 2); another format is a ValueError naming the file."""
        d = json.loads(Path(path).read_text("utf-8"))
        if d.get("format") not in (1, 2):
            raise ValueError(f"{path}: context model format {d.get('format')!r} is not 1 or 2")
        pc = d.get("pol_coef")
        return ContextModel(
            d["theme_ids"],
            d["sections"],
            d["doc_keys"],
            np.array(d["coef"], dtype=float),
            np.array(d["intercept"], dtype=float),
            d.get("thresholds", {}),
            d.get("info", {}),
            d.get("pol_classes") or [],
            None if pc is None else np.array(pc, dtype=float),
            None if pc is None else np.array(d["pol_intercept"], dtype=float),
            list(d.get("extras") or []),
            list(d.get("pol_extras") or []),
            bool(d.get("raw_scores", False)),
        )

    # ------------------------------------------------------------------ fitting
    @classmethod
    def fit(
        cls,
        own: np.ndarray,
        prev: np.ndarray,
        has_prev: np.ndarray,
        sections: list[str | None],
        docs: list[str],
        Y: np.ndarray,
        theme_ids: list[str],
        groups: list[str],
        C: float = 1.0,
        folds: int = 5,
        *,
        extras: list[str] | None = None,
        heading_hits: np.ndarray | None = None,
        texts: list[str] | None = None,
        raw_scores: bool = False,
        use_context: bool = True,
    ) -> ContextModel:
        """Fit on held-out sentence-model scores; thresholds chosen on grouped out-of-fold
        predictions (kept in ``info["oof"]``, not saved). ``use_context=False`` fits the
        sentence score alone (calibration and thresholds only): the baseline to beat."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupKFold

        from .classifier import _best_threshold

        sec = sorted({s for s in sections if s}, key=str) if use_context else []
        dk = sorted(set(docs)) if use_context else []
        m = cls(theme_ids, sec, dk, np.zeros((0, 0)), np.zeros(len(theme_ids)))
        m.extras, m.raw_scores = (list(extras or []) if use_context else []), raw_scores
        m.coef = np.zeros((len(theme_ids), m.n_features))
        X = m.design(own, prev, has_prev, sections, docs, heading_hits, texts)
        cols = list(range(m.n_features)) if use_context else [0]
        oof = np.zeros(Y.shape)
        lr = partial(LogisticRegression, C=C, max_iter=1000)
        for tr, te in GroupKFold(folds).split(X, groups=groups):
            for j in range(len(theme_ids)):
                y = Y[tr, j]
                if 0 < y.sum() < len(y):
                    oof[te, j] = lr().fit(X[tr, j][:, cols], y).predict_proba(X[te, j][:, cols])[:, 1]
                else:
                    oof[te, j] = own[te, j]
        for j, t in enumerate(theme_ids):
            y = Y[:, j]
            if 0 < y.sum() < len(y):
                fitted = lr().fit(X[:, j][:, cols], y)
                m.coef[j, cols], m.intercept[j] = fitted.coef_[0], fitted.intercept_[0]
            else:  # never seen: pass the sentence score through
                m.coef[j, 0], m.intercept[j] = 1.0, 0.0
            m.thresholds[t] = _best_threshold(y, oof[:, j])
        m.info = {"n": int(len(Y)), "oof": oof}
        return m

    def fit_polarity(
        self,
        own: np.ndarray,
        prev: np.ndarray,
        has_prev: np.ndarray,
        sections: list[str | None],
        docs: list[str],
        y: list[str],
        classes: list[str],
        groups: list[str],
        C: float = 1.0,
        folds: int = 5,
        *,
        texts: list[str] | None = None,
        pol_extras: list[str] | None = None,
        class_weight: str | None = "balanced",
    ) -> np.ndarray:
        """Fit the polarity part; returns grouped out-of-fold predicted classes (for choosing it).
        ``class_weight``: scikit-learn's (``"balanced"`` favours the rare classes' recall)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupKFold

        self.pol_extras = list(pol_extras or [])
        X = self.pol_design(own, prev, has_prev, sections, docs, texts)
        yy = np.asarray(y)
        oof = np.empty(len(yy), dtype=object)
        lr = partial(LogisticRegression, C=C, max_iter=2000, class_weight=class_weight)
        for tr, te in GroupKFold(folds).split(X, groups=groups):
            oof[te] = lr().fit(X[tr], yy[tr]).predict(X[te])
        fitted = lr().fit(X, yy)
        order = [list(fitted.classes_).index(c) for c in classes if c in fitted.classes_]
        self.pol_classes = [str(fitted.classes_[i]) for i in order]
        self.pol_coef, self.pol_intercept = fitted.coef_[order], fitted.intercept_[order]
        return oof
