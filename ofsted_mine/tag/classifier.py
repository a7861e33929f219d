"""The learned side of the tagger (scikit-learn): a multi-label theme classifier and a
4-class polarity classifier, both calibrated, trained on labelled sentences.

Features: TF-IDF of word uni- and bi-grams + the rule matcher's hits (theme cues and
polarity cues) as extra columns, so the model learns how far to trust each rule.
Per-theme decision thresholds are chosen on out-of-fold predictions of the training data
(never on the gold file).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=2000, class_weight="balanced", solver="liblinear")


def _polarity_estimator():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression

    return CalibratedClassifierCV(
        LogisticRegression(C=6.0, max_iter=3000, class_weight="balanced"), method="sigmoid", cv=3
    )


@dataclass
class PlattTheme:
    """A linear theme classifier whose scores are calibrated by Platt scaling fitted on
    out-of-fold decision values (so calibration never sees its own training fit)."""

    clf: object
    a: float
    b: float

    def predict_proba(self, X) -> np.ndarray:
        z = self.clf.decision_function(X)
        p = 1.0 / (1.0 + np.exp(-(self.a * z + self.b)))
        return np.column_stack([1 - p, p])

    @property
    def coef(self) -> np.ndarray:
        return self.clf.coef_[0]


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e4).fit(z.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


@dataclass
class TaggerModel:
    """A fitted model: ``fit`` on labelled sentences, ``predict_proba`` on new ones."""

    theme_ids: list[str]
    taxonomy_fingerprint: str = ""
    vectorizer: object = None
    theme_models: dict = field(default_factory=dict)  # theme -> fitted estimator (None: never seen)
    thresholds: dict = field(default_factory=dict)  # theme -> decision threshold
    polarity_model: object = None
    polarity_classes: list[str] = field(default_factory=lambda: list(POLARITIES))
    info: dict = field(default_factory=dict)
    use_rule_features: bool = True
    format: int = MODEL_FORMAT

    # ------------------------------------------------------------------ fitting
    @classmethod
    def fit(
        cls,
        texts: list[str],
        themes: list[list[str]],
        polarities: list[str],
        taxonomy: Taxonomy,
        matcher: RuleMatcher | None = None,
        tune: bool = True,
        seed: int = 0,
        use_rule_features: bool = True,
        synthetic: list[bool] | None = None,
    ) -> TaggerModel:
        """Fit on labelled sentences.

        ``synthetic`` marks written example sentences: they are trained on, but Platt
        calibration and thresholds are chosen on the out-of-fold scores of the others."""
        from sklearn.model_selection import KFold

        matcher = matcher or RuleMatcher(taxonomy)
        hits = matcher.match_many(texts)
        ids = taxonomy.ids
        m = cls(
            theme_ids=ids, taxonomy_fingerprint=taxonomy.fingerprint(), use_rule_features=use_rule_features
        )
        m.vectorizer = _vectorizer()
        X = m._stack([m.vectorizer.fit_transform(texts)], hits, texts)
        Y = np.array([[t in ts for t in ids] for ts in themes], dtype=int)
        # out-of-fold decision values: Platt calibration and thresholds chosen honestly
        oof = np.zeros(Y.shape)
        folds = list(KFold(5, shuffle=True, random_state=seed).split(X)) if tune else []
        for tr, te in folds:
            vec = _vectorizer()
            Xtr = m._stack(
                [vec.fit_transform([texts[i] for i in tr])], [hits[i] for i in tr], [texts[i] for i in tr]
            )
            Xte = m._stack(
                [vec.transform([texts[i] for i in te])], [hits[i] for i in te], [texts[i] for i in te]
            )
            todo = [j for j in range(len(ids)) if 0 < Y[tr, j].sum() < len(tr)]
            oof[te, :] = -5.0
            for j, clf in zip(todo, _fit_each(Xtr, [Y[tr, j] for j in todo])):
                oof[te, j] = clf.decision_function(Xte)
        fit_ids = [j for j in range(len(ids)) if 3 <= int(Y[:, j].sum()) < len(texts)]
        final = dict(zip(fit_ids, _fit_each(X, [Y[:, j] for j in fit_ids])))
        keep = np.ones(len(texts), dtype=bool) if synthetic is None else ~np.asarray(synthetic, dtype=bool)
        if not keep.any():
            keep[:] = True
        for j, t in enumerate(ids):
            if j in final:
                z, y = oof[keep, j], Y[keep, j]
                a_, b_ = _platt(z, y) if tune and 0 < y.sum() < len(y) else (1.0, 0.0)
                m.theme_models[t] = PlattTheme(final[j], a_, b_)
                p_oof = 1.0 / (1.0 + np.exp(-(a_ * z + b_)))
                m.thresholds[t] = _best_threshold(y, p_oof) if tune else 0.5
            else:
                m.theme_models[t] = None
        pol = np.array(polarities)
        m.polarity_model = _polarity_estimator().fit(X, pol)
        m.polarity_classes = [str(c) for c in m.polarity_model.classes_]  # plain str: cheap to pickle
        m.info = {
            "n_train": len(texts),
            "positives": {t: int(Y[:, j].sum()) for j, t in enumerate(ids)},
            "polarity_counts": {p: int((pol == p).sum()) for p in set(polarities)},
        }
        return m

    # ------------------------------------------------------------------ predicting
    def _stack(self, blocks: list, hits: list[RuleHits], texts: list[str]):
        """TF-IDF blocks plus, when the model uses them, the rule-hit features: one CSR matrix."""
        if self.use_rule_features:
            blocks = blocks + [rule_matrix(hits, self.theme_ids, texts)]
        return sparse.hstack(blocks, format="csr")

    def features(self, texts: list[str], hits: list[RuleHits]):
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

    def predict_proba(self, texts: list[str], hits: list[RuleHits]) -> tuple[np.ndarray, np.ndarray]:
        """(theme probabilities [n x themes], polarity probabilities [n x classes]).

        Every linear model (17 themes, and each calibrated polarity classifier) is one
        column block of a single weight matrix, so a batch costs one sparse product."""
        X = self.features(texts, hits)
        W, b0, a, b, pol = self._stacked()
        Z = np.asarray(X @ W) + b0
        n = len(self.theme_ids)
        P = 1.0 / (1.0 + np.exp(-(a * Z[:, :n] + b)))
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
        import joblib

        d = joblib.load(path)
        fmt = d.get("format") if isinstance(d, dict) else getattr(d, "format", None)
        if fmt != MODEL_FORMAT:
            raise ValueError(f"{path}: model format {fmt or '?'} is not {MODEL_FORMAT}; retrain it")
        m = TaggerModel(**d["head"])
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


def _fit_each(X, ys: list) -> list:
    """One theme classifier per label vector, fitted on NB-scaled features.

    The scale is folded into the fitted coefficients (coef * scale), so the classifier
    works on unscaled features: one shared feature matrix serves every theme at predict
    time, and every weight is the weight of the feature as the tagger sees it."""
    B = X.copy()
    B.data = (B.data > 0).astype(np.float32)
    out = []
    for y in ys:
        r = _nb_scale(B, np.asarray(y))
        clf = _linear().fit(X @ sparse.diags(r.astype(X.dtype)), y)
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
    best, best_f = 0.5, -1.0
    for t in np.arange(0.15, 0.86, 0.025):
        pred = p >= t
        tp = int((pred & (y == 1)).sum())
        fp = int((pred & (y == 0)).sum())
        fn = int((~pred & (y == 1)).sum())
        f = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f > best_f:
            best, best_f = float(t), f
    return round(best, 3)
