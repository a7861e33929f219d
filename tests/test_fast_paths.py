"""The tagger's fast paths give the same answers as the straightforward implementations
they replace (run on the fictional corpus's sentences)."""

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from ofsted_mine.tag import load_taxonomy
from ofsted_mine.tag.classifier import _calibrated_proba, _polarity_blocks
from ofsted_mine.tag.fastchar import CachedCharTfidf, CachedWordTfidf
from ofsted_mine.tag.rules import RuleMatcher

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    rows = [
        json.loads(l)
        for l in (CORPUS / "annotations" / "corpus-labels.jsonl").read_text("utf-8").splitlines()
    ]
    extra = ["", "   ", "x", "Children’s “voices” — naïve café, co-ordinated; 16- and 17-year-olds."]
    return [r["text"] for r in rows] + extra


@pytest.mark.parametrize(
    "cls,kw",
    [
        (
            CachedWordTfidf,
            dict(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"(?u)\b[\w’'-]+\b"),
        ),
        (CachedCharTfidf, dict(analyzer="char_wb", ngram_range=(3, 5), min_df=3, sublinear_tf=True)),
    ],
)
def test_fast_tfidf_matches_scikit_learn(sentences, cls, kw):
    fast = cls(dtype=np.float32, **kw).fit(sentences[:600])
    ref = TfidfVectorizer(dtype=np.float32, **kw).fit(sentences[:600])
    assert fast.vocabulary_ == ref.vocabulary_
    A, B = ref.transform(sentences), fast.transform(sentences)
    assert A.shape == B.shape and A.nnz == B.nnz
    assert abs(A - B).max() < 1e-6
    assert (
        abs(fast.transform(sentences[::-1]) - ref.transform(sentences[::-1])).max() < 1e-6
    )  # with a warm cache


def test_batched_rule_matching_equals_one_sentence_at_a_time(sentences):
    m = RuleMatcher(load_taxonomy())
    batch = m.match_many(sentences)
    m.BATCH = 7  # batch edges fall everywhere
    small = m.match_many(sentences)
    single = [m.match_many([s])[0] for s in sentences]
    assert batch == small == single
    assert sum(len(h.themes) for h in batch) > len(sentences) // 2  # the cues do match
    for s, h in zip(sentences, batch):
        for cues in list(h.themes.values()) + list(h.polarity.values()):
            for text, a, z in cues:
                assert s[a:z] == text


def test_stacked_polarity_equals_calibrated_classifier(sentences):
    rows = [
        json.loads(l)
        for l in (CORPUS / "annotations" / "corpus-labels.jsonl").read_text("utf-8").splitlines()
    ]
    vec = TfidfVectorizer().fit([r["text"] for r in rows])
    X = vec.transform([r["text"] for r in rows])
    y = [r["polarity"] for r in rows]
    model = CalibratedClassifierCV(LogisticRegression(C=6.0, max_iter=3000), method="sigmoid", cv=3).fit(X, y)
    W, b, sa, sb, m = _polarity_blocks(model, len(model.classes_))
    Xn = vec.transform(sentences)
    got = _calibrated_proba(np.asarray(Xn @ W) + b, sa, sb, m)
    assert np.abs(got - model.predict_proba(Xn)).max() < 1e-9


def test_nb_scaled_theme_classifier_folds_its_scale_into_the_weights(sentences):
    """A classifier fitted on NB-scaled features, with the scale folded into its weights,
    scores unscaled features exactly as the scaled fit scores scaled ones."""
    from scipy import sparse

    from ofsted_mine.tag.classifier import _fit_each, _linear, _nb_scale

    rows = [
        json.loads(l)
        for l in (CORPUS / "annotations" / "corpus-labels.jsonl").read_text("utf-8").splitlines()
    ]
    texts = [r["text"] for r in rows]
    y = np.array(["permanence" in r["themes"] for r in rows], dtype=int)
    X = TfidfVectorizer(min_df=2).fit_transform(texts).tocsr()
    folded = _fit_each(X, [y])[0]
    B = X.copy()
    B.data[:] = 1.0
    r = _nb_scale(B, y)
    plain = _linear().fit(X @ sparse.diags(r), y)
    assert np.allclose(folded.decision_function(X), plain.decision_function(X @ sparse.diags(r)), atol=1e-6)
    # the scale follows the evidence: a word only in the theme's sentences outweighs one spread evenly
    vocab = TfidfVectorizer(min_df=2).fit(texts).vocabulary_
    assert r[vocab["adoption"]] > r[vocab["the"]]
