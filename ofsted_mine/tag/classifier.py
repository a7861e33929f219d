"""The learned side of the tagger (scikit-learn): a multi-label theme classifier and a
4-class polarity classifier, both calibrated, trained on labelled sentences.

Features: TF-IDF of word uni- and bi-grams + the rule matcher's hits (theme cues and
polarity cues) as extra columns, so the model learns how far to trust each rule.
Per-theme decision thresholds are chosen on out-of-fold predictions of the training data
(never on the gold file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from .features import rule_matrix
from .rules import RuleHits, RuleMatcher
from .taxonomy import POLARITIES, Taxonomy

MODEL_FORMAT = 4  # 4: saved as a plain part for tagging + the scikit-learn objects, loaded on demand


def _vectorizer():
    """Word uni/bi-grams plus character 3-5-grams within words (robust to inflection)."""
    from sklearn.pipeline import FeatureUnion

    from .fastchar import CachedCharTfidf, CachedWordTfidf

    return FeatureUnion(
        [
            (
                "words",
                CachedWordTfidf(
                    ngram_range=(1, 2),
                    min_df=2,
                    sublinear_tf=True,
                    lowercase=True,
                    token_pattern=r"(?u)\b[\w’'-]+\b",
                    max_features=60000,
                    dtype=np.float32,
                ),
            ),
            (
                "chars",
                CachedCharTfidf(
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    min_df=3,
                    sublinear_tf=True,
                    max_features=80000,
                    dtype=np.float32,
                ),
            ),
        ]
    )


def _linear(C: float = 8.0):
    """The per-theme linear model: class-balanced logistic regression."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=2000, class_weight="balanced", solver="liblinear")


def _polarity_estimator(C: float = 6.0):
    """The polarity model: a 4-class logistic regression, sigmoid-calibrated by scikit-learn."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression

    return CalibratedClassifierCV(
        LogisticRegression(C=C, max_iter=3000, class_weight="balanced"), method="sigmoid", cv=3
    )


@dataclass
class PlattTheme:
    """A linear theme classifier whose scores are calibrated by Platt scaling fitted on
    out-of-fold decision values (so calibration never sees its own training fit).

    Why not scikit-learn's ``CalibratedClassifierCV(ensemble=False)``, which does the same for
    one estimator: here the same out-of-fold scores also choose each theme's threshold, the
    written example sentences are trained on but never calibrated on, and the 17 themes share
    one feature matrix per fold (refitting the vectorisers 17 times per fold would multiply
    training time). The polarity model, which has none of these needs, uses
    ``CalibratedClassifierCV``."""

    clf: Any
    a: float
    b: float

    def predict_proba(self, X) -> np.ndarray:
        """[P(not theme), P(theme)] per row of ``X`` (calibrated)."""
        z = self.clf.decision_function(X)
        p = 1.0 / (1.0 + np.exp(-(self.a * z + self.b)))
        return np.column_stack([1 - p, p])

    @property
    def coef(self) -> np.ndarray:
        """The fitted weights of the features (one per column of the feature matrix)."""
        return self.clf.coef_[0]


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e4).fit(z.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


class TaggerModel:
    """The sentence model, as a scikit-learn style estimator.

    Parameters (explicit ``__init__`` arguments, so ``get_params``/``set_params`` and
    ``sklearn.base.clone`` work; implemented here without importing scikit-learn, so a
    saved model tags without it):

    * ``taxonomy``: the themes to learn (default: the shipped codebook);
    * ``tune``: choose Platt calibration and per-theme thresholds on out-of-fold scores
      (``folds`` folds); without it scores are uncalibrated and thresholds 0.5;
    * ``seed``: the fold split;
    * ``use_rule_features``: add the rule matcher's hits as features;
    * ``theme_C`` / ``polarity_C``: inverse regularisation of the theme and polarity models.

    ``fit(texts, themes, polarities)`` learns and returns ``self``; fitted state:
    ``theme_ids``, ``taxonomy_fingerprint``, ``vectorizer``, ``theme_models``,
    ``thresholds``, ``polarity_model``, ``polarity_classes``, ``info``.
    ``predict_proba(texts, hits)`` gives theme and polarity probabilities."""

    _PARAMS = ("taxonomy", "tune", "seed", "use_rule_features", "theme_C", "polarity_C", "folds")

    def __init__(
        self,
        taxonomy: Taxonomy | None = None,
        *,
        tune: bool = True,
        seed: int = 0,
        use_rule_features: bool = True,
        theme_C: float = 8.0,
        polarity_C: float = 6.0,
        folds: int = 5,
    ):
        self.taxonomy = taxonomy
        self.tune = tune
        self.seed = seed
        self.use_rule_features = use_rule_features
        self.theme_C = theme_C
        self.polarity_C = polarity_C
        self.folds = folds
        # fitted state (set by fit, or by load)
        self.theme_ids: list[str] = list(taxonomy.ids) if taxonomy is not None else []
        self.taxonomy_fingerprint = ""
        self.vectorizer: Any = None
        self.theme_models: dict = {}  # theme -> fitted estimator (None: never seen)
        self.thresholds: dict = {}  # theme -> decision threshold
        self.polarity_model: Any = None
        self.polarity_classes: list[str] = list(POLARITIES)
        self.info: dict = {}
        self.format = MODEL_FORMAT

    def get_params(self, deep: bool = True) -> dict:
        """The estimator's parameters (scikit-learn's convention)."""
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params) -> TaggerModel:
        """Set parameters (scikit-learn's convention); an unknown name is a ValueError."""
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ValueError(f"TaggerModel has no parameter {k!r}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        return f"TaggerModel(tune={self.tune}, seed={self.seed}, use_rule_features={self.use_rule_features})"

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        texts: list[str],
        themes: list[list[str]],
        polarities: list[str],
        *,
        matcher: RuleMatcher | None = None,
        synthetic: list[bool] | None = None,
    ) -> TaggerModel:
        """Fit on labelled sentences and return ``self``.

        ``synthetic`` marks written example sentences: they are trained on, but Platt
        calibration and thresholds are chosen on the out-of-fold scores of the others.
        ``matcher``: a rule matcher of the same taxonomy to reuse (built when not given)."""
        from .taxonomy import load_taxonomy

        taxonomy = self.taxonomy if self.taxonomy is not None else load_taxonomy()
        matcher = matcher or RuleMatcher(taxonomy)
        hits = matcher.match_many(texts)
        self.theme_ids = ids = list(taxonomy.ids)
        self.taxonomy_fingerprint = taxonomy.fingerprint()
        self.__dict__.pop("_stack_cache", None)
        self.vectorizer = _vectorizer()
        X = self._stack([self.vectorizer.fit_transform(texts)], hits, texts)
        Y = np.array([[t in ts for t in ids] for ts in themes], dtype=int)
        oof = self._out_of_fold(texts, hits, Y) if self.tune else np.zeros(Y.shape)
        fit_ids = [j for j in range(len(ids)) if 3 <= int(Y[:, j].sum()) < len(texts)]
        final = dict(zip(fit_ids, _fit_each(X, [Y[:, j] for j in fit_ids], self.theme_C)))
        keep = np.ones(len(texts), dtype=bool) if synthetic is None else ~np.asarray(synthetic, dtype=bool)
        if not keep.any():
            keep[:] = True
        self.theme_models, self.thresholds = {}, {}
        for j, t in enumerate(ids):
            if j in final:
                z, y = oof[keep, j], Y[keep, j]
                a_, b_ = _platt(z, y) if self.tune and 0 < y.sum() < len(y) else (1.0, 0.0)
                self.theme_models[t] = PlattTheme(final[j], a_, b_)
                p_oof = 1.0 / (1.0 + np.exp(-(a_ * z + b_)))
                self.thresholds[t] = _best_threshold(y, p_oof) if self.tune else 0.5
            else:
                self.theme_models[t] = None
        pol = np.array(polarities)
        self.polarity_model = _polarity_estimator(self.polarity_C).fit(X, pol)
        self.polarity_classes = [str(c) for c in self.polarity_model.classes_]  # plain str: cheap to pickle
        self.info = {
            "n_train": len(texts),
            "positives": {t: int(Y[:, j].sum()) for j, t in enumerate(ids)},
            "polarity_counts": {p: int((pol == p).sum()) for p in set(polarities)},
        }
        return self

    def _out_of_fold(self, texts: list[str], hits: list[RuleHits], Y: np.ndarray) -> np.ndarray:
        """Out-of-fold theme decision values (features refitted per fold): what Platt
        calibration and the thresholds are chosen on, so neither sees its own training fit."""
        from sklearn.model_selection import KFold

        oof = np.zeros(Y.shape)
        for tr, te in KFold(self.folds, shuffle=True, random_state=self.seed).split(texts):
            vec = _vectorizer()
            Xtr = self._stack(
                [vec.fit_transform([texts[i] for i in tr])], [hits[i] for i in tr], [texts[i] for i in tr]
            )
            Xte = self._stack(
                [vec.transform([texts[i] for i in te])], [hits[i] for i in te], [texts[i] for i in te]
            )
            todo = [j for j in range(Y.shape[1]) if 0 < Y[tr, j].sum() < len(tr)]
            oof[te, :] = -5.0
            for j, clf in zip(todo, _fit_each(Xtr, [Y[tr, j] for j in todo], self.theme_C)):
                oof[te, j] = clf.decision_function(Xte)
        return oof

    # ------------------------------------------------------------------ predicting
    def _stack(self, blocks: list, hits: list[RuleHits], texts: list[str]):
        """TF-IDF blocks plus, when the model uses them, the rule-hit features: one CSR matrix."""
        if self.use_rule_features:
            blocks = blocks + [rule_matrix(hits, self.theme_ids, texts)]
        return sparse.hstack(blocks, format="csr")

    def features(self, texts: list[str], hits: list[RuleHits]):
        """The feature matrix of ``texts``: TF-IDF blocks and, when used, the rule-hit features."""
        plain = self.__dict__.get("_plain_features")
        if plain is not None:
            blocks = [t.transform(texts) for t in plain]
        elif hasattr(self.vectorizer, "transformer_list"):  # FeatureUnion without its joblib machinery
            blocks = [t.transform(texts) for _, t in self.vectorizer.transformer_list]
        else:
            blocks = [self.vectorizer.transform(texts)]
        return self._stack(blocks, hits, texts)

    def has_model(self, theme: str) -> bool:
        """Whether the model was fitted for ``theme`` (too few examples: no)."""
        fitted = self.__dict__.get("_fitted")
        if fitted is not None:
            return theme in fitted
        return self.theme_models.get(theme) is not None

    def predict_proba(
        self, texts: list[str], hits: list[RuleHits], raw: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """(theme probabilities [n x themes], polarity probabilities [n x classes]).

        ``raw=True``: theme scores without Platt calibration (the sigmoid of the decision
        values), as the context stage takes them. Every linear model (17 themes, and each
        calibrated polarity classifier) is one column block of a single weight matrix, so a
        batch costs one sparse product."""
        X = self.features(texts, hits)
        W, b0, a, b, pol = self._stacked()
        Z = np.asarray(X @ W) + b0
        n = len(self.theme_ids)
        P = 1.0 / (1.0 + np.exp(-Z[:, :n] if raw else -(a * Z[:, :n] + b)))
        P[:, a == 0] = 0.0  # themes without a model
        if pol is None:
            self._full()
            Q = self.polarity_model.predict_proba(X)
        else:
            Q = _calibrated_proba(Z[:, n:], *pol)
        return P, Q

    def _stacked(self):
        """The linear models as one matrix: theme columns, then the polarity classifiers'."""
        cached = self.__dict__.get("_stack_cache")
        if cached is None:
            n = len(self.theme_ids)
            first = next(e for e in self.theme_models.values() if e is not None)
            W = np.zeros((first.clf.coef_.shape[1], n))
            b0, a, b = np.zeros(n), np.zeros(n), np.zeros(n)
            for j, t in enumerate(self.theme_ids):
                est = self.theme_models.get(t)
                if est is not None:
                    W[:, j] = est.clf.coef_[0]
                    b0[j] = est.clf.intercept_[0]
                    a[j], b[j] = est.a, est.b
            pol = _polarity_blocks(self.polarity_model, len(self.polarity_classes))
            if pol is not None:
                W = np.hstack([W, pol[0]])
                b0 = np.concatenate([b0, pol[1]])
                pol = pol[2:]
            cached = self.__dict__["_stack_cache"] = (W, b0, a, b, pol)
        return cached

    def __getstate__(self):
        self._full()
        state = self.__dict__.copy()
        for k in ("_stack_cache", "_plain_features", "_fitted", "_full_blob"):
            state.pop(k, None)
        return state

    def top_terms(self, text: str, theme: str, k: int = 3) -> list[str]:
        """Words of ``text`` that pushed the theme's score up most (for explanations)."""
        self._full()
        est = self.theme_models.get(theme)
        if est is None:
            return []
        coefs = est.coef
        x = self.vectorizer.transform([text])
        names = self.vectorizer.get_feature_names_out()
        contrib = [(x[0, i] * coefs[i], names[i]) for i in x.nonzero()[1] if names[i].startswith("words__")]
        return [n.split("__", 1)[1] for c, n in sorted(contrib, reverse=True)[:k] if c > 0]

    # ------------------------------------------------------------------ saving and loading
    def save(self, path) -> None:
        """Save in two parts: what tagging needs, as plain arrays and dicts (no scikit-learn
        objects, so loading a model to tag does not import scikit-learn), and the whole
        fitted model (scikit-learn objects, pickled), unpickled only when needed
        (``explain``'s word weights, re-saving)."""
        import pickle

        import joblib

        from .plain import PlainTfidf

        self._full()
        parts = getattr(self.vectorizer, "transformer_list", None)
        vecs = [t for _, t in parts] if parts is not None else [self.vectorizer]
        plain = {
            "features": [PlainTfidf.from_vectorizer(v) for v in vecs]
            if all(PlainTfidf.supports(v) for v in vecs)
            else None,
            "stacked": self._stacked(),
            "fitted": sorted(t for t in self.theme_ids if self.has_model(t)),
        }
        head = {
            k: getattr(self, k)
            for k in (
                "theme_ids",
                "taxonomy_fingerprint",
                "thresholds",
                "polarity_classes",
                "info",
                "use_rule_features",
                "format",
            )
        }
        # the weights are in plain["stacked"]: the pickled objects go without them (half the file)
        held = [(obj, obj.coef_) for obj in self._linear_parts()]
        try:
            for obj, _ in held:
                obj.coef_ = None
            full = pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            for obj, coef in held:
                obj.coef_ = coef
        joblib.dump({"format": MODEL_FORMAT, "head": head, "plain": plain, "full": full}, path, compress=3)

    def _linear_parts(self) -> list:
        """The fitted linear models whose weights are columns of the stacked matrix, in column order."""
        parts = [self.theme_models[t].clf for t in self.theme_ids if self.theme_models.get(t) is not None]
        if self._stacked()[4] is not None:
            parts += [c.estimator for c in self.polarity_model.calibrated_classifiers_]
        return parts

    @staticmethod
    def load(path) -> TaggerModel:
        """Load a model saved by :meth:`save`; another format is a ValueError naming the file."""
        import joblib

        d = joblib.load(path)
        fmt = d.get("format") if isinstance(d, dict) else getattr(d, "format", None)
        if fmt != MODEL_FORMAT:
            raise ValueError(f"{path}: model format {fmt or '?'} is not {MODEL_FORMAT}; retrain it")
        head = d["head"]
        m = TaggerModel(use_rule_features=head["use_rule_features"])
        for k in ("theme_ids", "taxonomy_fingerprint", "thresholds", "polarity_classes", "info", "format"):
            setattr(m, k, head[k])
        m.__dict__.update(
            _stack_cache=d["plain"]["stacked"], _fitted=set(d["plain"]["fitted"]), _full_blob=d["full"]
        )
        if d["plain"]["features"] is not None:
            m.__dict__["_plain_features"] = d["plain"]["features"]
        else:
            m._full()
        return m

    def _full(self) -> None:
        """Unpickle the scikit-learn objects of a loaded model (once, on first need)."""
        blob = self.__dict__.pop("_full_blob", None)
        if blob is not None:
            import pickle

            full = pickle.loads(blob)
            self.vectorizer, self.theme_models, self.polarity_model = (
                full.vectorizer,
                full.theme_models,
                full.polarity_model,
            )
            W = self._stacked()[0]
            cols = [j for j, t in enumerate(self.theme_ids) if self.theme_models.get(t) is not None]
            k = len(self.polarity_classes)
            parts = self._linear_parts()
            for i, obj in enumerate(parts):
                if i < len(cols):
                    obj.coef_ = W[:, cols[i]][None, :].copy()
                else:
                    at = len(self.theme_ids) + (i - len(cols)) * k
                    obj.coef_ = W[:, at : at + k].T.copy()


def _nb_scale(B, y: np.ndarray, alpha: float = 1.0, power: float = 0.5) -> np.ndarray:
    """Naive-Bayes feature weights for one theme: |log-count ratio| ** power.

    ``B`` is the binary (present / absent) feature matrix. A feature seen mostly in the
    theme's sentences, or mostly outside them, gets a larger scale; the logistic
    regression then starts from what each word says about this theme (as in NBSVM,
    Wang & Manning 2012), which helps most for words seen in few training sentences."""
    p = alpha + np.asarray(B[y == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(B[y == 0].sum(axis=0)).ravel()
    r = np.log((p / p.sum()) / (q / q.sum()))
    return np.abs(r) ** power


def _fit_each(X, ys: list, C: float = 8.0) -> list:
    """One theme classifier per label vector, fitted on NB-scaled features.

    The scale is folded into the fitted coefficients (coef * scale), so the classifier
    works on unscaled features: one shared feature matrix serves every theme at predict
    time, and every weight is the weight of the feature as the tagger sees it."""
    B = X.copy()
    B.data = (B.data > 0).astype(np.float32)
    out = []
    for y in ys:
        r = _nb_scale(B, np.asarray(y))
        clf = _linear(C).fit(X @ sparse.diags(r.astype(X.dtype)), y)
        clf.coef_ = clf.coef_ * r
        out.append(clf)
    return out


def _polarity_blocks(model, k: int):
    """Weights of a sigmoid-calibrated linear polarity classifier, as stacked blocks:
    (W [d x k*m], intercepts, calibration slopes, offsets, m). None if not of that form."""
    cals = getattr(model, "calibrated_classifiers_", None)
    if not cals or getattr(model, "method", None) != "sigmoid":
        return None
    Ws, bs, sa, sb = [], [], [], []
    for c in cals:
        est = c.estimator
        coef = getattr(est, "coef_", None)
        if coef is None or coef.shape[0] != k or list(est.classes_) != list(model.classes_):
            return None
        Ws.append(coef.T)
        bs.append(est.intercept_)
        sa.append([cal.a_ for cal in c.calibrators])
        sb.append([cal.b_ for cal in c.calibrators])
    return (np.hstack(Ws), np.concatenate(bs), np.concatenate(sa), np.concatenate(sb), len(cals))


def _calibrated_proba(Z: np.ndarray, sa: np.ndarray, sb: np.ndarray, m: int) -> np.ndarray:
    """What CalibratedClassifierCV(method="sigmoid").predict_proba computes, from the
    decision values of its m classifiers: per-class sigmoid, normalised, averaged."""
    P = 1.0 / (1.0 + np.exp(sa * Z + sb))
    n, k = Z.shape[0], Z.shape[1] // m
    P = P.reshape(n, m, k)
    den = P.sum(axis=2, keepdims=True)
    P = np.divide(P, den, out=np.full_like(P, 1.0 / k), where=den != 0)
    P = P.mean(axis=1)
    P[(P > 1.0) & (P <= 1.0 + 1e-5)] = 1.0
    return P


def _best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The decision threshold (0.15-0.85 in steps of 0.025) with the best F1 (scikit-learn's
    ``f1_score``) of ``p >= threshold`` against ``y``; ties go to the lowest."""
    from sklearn.metrics import f1_score

    best, best_f = 0.5, -1.0
    y = np.asarray(y, dtype=int)
    for t in np.arange(0.15, 0.86, 0.025):
        f = f1_score(y, (p >= t).astype(int), zero_division=0.0)
        if f > best_f:
            best, best_f = float(t), f
    return round(best, 3)
