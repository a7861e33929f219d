"""The context a reader uses, as a learned second stage over the sentence model.

A sentence's theme scores from the sentence model (:class:`~.classifier.TaggerModel`) are
combined with its context by one small logistic regression per theme:

* the sentence's own score for the theme (as a logit),
* the previous finding's score for the theme in the same section ("These plans …" after a
  sentence about care leavers' pathway plans), and whether there is one,
* the section kind (a finding under "The experiences and progress of care leavers" is
  probably about care leavers), and
* the document's kind and framework (conventions changed between SIF and ILACS).

It is fitted on **held-out** sentence-model scores of labelled report sentences (a model
fitted without their documents scores them: grouped by document), so it learns how far to
trust a score on a new report, and its thresholds are chosen by grouped cross-validation on
those sentences (``scripts/train_context.py``). It is saved as plain arrays (JSON) and costs
one small matrix product per batch. Without context (``tag(texts)`` alone, ``explain``,
``classify``) the sentence model decides alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_EPS = 1e-4


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def doc_key(kind: str | None, framework: str | None) -> str:
    return f"{kind or '?'}/{framework or '?'}"


@dataclass
class ContextModel:
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

    @property
    def n_features(self) -> int:
        return 3 + len(self.sections) + len(self.doc_keys)

    def design(
        self,
        own: np.ndarray,
        prev: np.ndarray,
        has_prev: np.ndarray,
        sections: list[str | None],
        docs: list[str],
    ) -> np.ndarray:
        """Features per (sentence, theme): [n x themes x features]."""
        n, k = own.shape
        X = np.zeros((n, k, self.n_features))
        X[:, :, 0] = logit(own)
        X[:, :, 1] = np.where(has_prev[:, None], logit(prev), 0.0)
        X[:, :, 2] = has_prev[:, None]
        si = {s: i for i, s in enumerate(self.sections)}
        di = {d: i for i, d in enumerate(self.doc_keys)}
        for r, (s, d) in enumerate(zip(sections, docs)):
            if s in si:
                X[r, :, 3 + si[s]] = 1.0
            if d in di:
                X[r, :, 3 + len(self.sections) + di[d]] = 1.0
        return X

    def predict(
        self,
        own: np.ndarray,
        prev: np.ndarray,
        has_prev: np.ndarray,
        sections: list[str | None],
        docs: list[str],
    ) -> np.ndarray:
        """Context-aware theme probabilities [n x themes]."""
        X = self.design(own, prev, has_prev, sections, docs)
        z = np.einsum("nkf,kf->nk", X, self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def pol_design(
        self,
        own: np.ndarray,
        prev: np.ndarray,
        has_prev: np.ndarray,
        sections: list[str | None],
        docs: list[str],
    ) -> np.ndarray:
        """Polarity features: log-probabilities of the sentence and of the finding before it,
        whether there is one, section kind and document kind."""
        n, k = own.shape
        ns, nd = len(self.sections), len(self.doc_keys)
        X = np.zeros((n, 2 * k + 1 + ns + nd))
        X[:, :k] = np.log(np.clip(own, _EPS, 1.0))
        X[:, k : 2 * k] = np.where(has_prev[:, None], np.log(np.clip(prev, _EPS, 1.0)), 0.0)
        X[:, 2 * k] = has_prev
        si = {s: i for i, s in enumerate(self.sections)}
        di = {d: i for i, d in enumerate(self.doc_keys)}
        for r, (s, d) in enumerate(zip(sections, docs)):
            if s in si:
                X[r, 2 * k + 1 + si[s]] = 1.0
            if d in di:
                X[r, 2 * k + 1 + ns + di[d]] = 1.0
        return X

    def predict_polarity(
        self,
        own: np.ndarray,
        prev: np.ndarray,
        has_prev: np.ndarray,
        sections: list[str | None],
        docs: list[str],
    ) -> np.ndarray | None:
        """Context-aware polarity probabilities [n x classes] (classes: ``pol_classes``), or None."""
        if not self.pol_classes or self.pol_coef is None:
            return None
        z = self.pol_design(own, prev, has_prev, sections, docs) @ self.pol_coef.T + self.pol_intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> None:
        Path(path).write_text(
            json.dumps(
                {
                    "format": 1,
                    "theme_ids": self.theme_ids,
                    "sections": self.sections,
                    "doc_keys": self.doc_keys,
                    "coef": np.round(self.coef, 6).tolist(),
                    "intercept": np.round(self.intercept, 6).tolist(),
                    "thresholds": self.thresholds,
                    "info": self.info,
                    "pol_classes": self.pol_classes,
                    "pol_coef": None if self.pol_coef is None else np.round(self.pol_coef, 6).tolist(),
                    "pol_intercept": None
                    if self.pol_intercept is None
                    else np.round(self.pol_intercept, 6).tolist(),
                },
                indent=0,
            )
        )

    @staticmethod
    def load(path: str | Path) -> ContextModel:
        d = json.loads(Path(path).read_text("utf-8"))
        if d.get("format") != 1:
            raise ValueError(f"{path}: context model format {d.get('format')!r} is not 1")
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
    ) -> ContextModel:
        """Fit on held-out sentence-model scores; thresholds chosen on grouped out-of-fold predictions."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupKFold

        from .classifier import _best_threshold

        sec = sorted({s for s in sections if s}, key=str)
        dk = sorted(set(docs))
        m = cls(
            theme_ids, sec, dk, np.zeros((len(theme_ids), 3 + len(sec) + len(dk))), np.zeros(len(theme_ids))
        )
        X = m.design(own, prev, has_prev, sections, docs)
        oof = np.zeros(Y.shape)
        for tr, te in GroupKFold(folds).split(X, groups=groups):
            for j in range(len(theme_ids)):
                y = Y[tr, j]
                if 0 < y.sum() < len(y):
                    lr = LogisticRegression(C=C, max_iter=1000).fit(X[tr, j, :], y)
                    oof[te, j] = lr.predict_proba(X[te, j, :])[:, 1]
                else:
                    oof[te, j] = own[te, j]
        for j, t in enumerate(theme_ids):
            y = Y[:, j]
            if 0 < y.sum() < len(y):
                lr = LogisticRegression(C=C, max_iter=1000).fit(X[:, j, :], y)
                m.coef[j], m.intercept[j] = lr.coef_[0], lr.intercept_[0]
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
    ) -> np.ndarray:
        """Fit the polarity part; returns grouped out-of-fold predicted classes (for choosing it)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupKFold

        X = self.pol_design(own, prev, has_prev, sections, docs)
        y = np.asarray(y)
        oof = np.empty(len(y), dtype=object)
        for tr, te in GroupKFold(folds).split(X, groups=groups):
            lr = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(X[tr], y[tr])
            oof[te] = lr.predict(X[te])
        lr = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(X, y)
        order = [list(lr.classes_).index(c) for c in classes if c in lr.classes_]
        self.pol_classes = [str(lr.classes_[i]) for i in order]
        self.pol_coef, self.pol_intercept = lr.coef_[order], lr.intercept_[order]
        return oof
