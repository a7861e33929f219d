"""Faster TF-IDF transforms with the same output as scikit-learn's ``TfidfVectorizer``.

Fitting is scikit-learn's own (vocabulary, idf); only ``transform`` is replaced, because
tagging calls it on every stored sentence and scikit-learn's version spends most of its
time building n-gram strings in Python.

- ``CachedCharTfidf`` (``char_wb``): n-grams never cross word boundaries, so a sentence's
  n-gram counts are the sum of its words' counts. Each distinct word is analysed once and
  cached; a batch becomes (sentence x word counts) @ (word x n-gram counts).
- ``CachedWordTfidf`` (word uni- and bi-grams): tokens are found with the fitted
  ``token_pattern`` and looked up directly, with no intermediate n-gram lists.

Both apply the TF-IDF weighting (sublinear tf, idf, l2 norm) exactly as scikit-learn does;
a test checks the two give the same matrix. The counting and weighting live in
``plain.py``, which a saved model uses for tagging without importing scikit-learn.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .plain import PlainTfidf, char_counts, tfidf_weight, word_counts


def _init_tfidf(self, params: dict) -> None:
    """Pass a subclass's explicit ``__init__`` arguments to ``TfidfVectorizer.__init__``."""
    params.pop("self", None)
    params.pop("__class__", None)
    TfidfVectorizer.__init__(self, **params)


class CachedCharTfidf(TfidfVectorizer):
    """``TfidfVectorizer`` (``char_wb`` n-grams by default) whose ``transform`` analyses each
    distinct word once and caches it.

    Every parameter is an explicit ``__init__`` argument (scikit-learn's convention), so
    ``get_params()`` lists them and ``sklearn.base.clone`` copies them."""

    def __init__(
        self,
        *,
        input="content",
        encoding="utf-8",
        decode_error="strict",
        strip_accents=None,
        lowercase=True,
        preprocessor=None,
        tokenizer=None,
        analyzer="char_wb",
        stop_words=None,
        token_pattern=r"(?u)\b\w\w+\b",
        ngram_range=(1, 1),
        max_df=1.0,
        min_df=1,
        max_features=None,
        vocabulary=None,
        binary=False,
        dtype=np.float64,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        sublinear_tf=False,
    ):
        _init_tfidf(self, dict(locals()))

    def transform(self, raw_documents):
        """TF-IDF of ``raw_documents``: the same matrix as ``TfidfVectorizer.transform``."""
        if not PlainTfidf.supports(self) or self.analyzer != "char_wb":
            return super().transform(raw_documents)
        cache = self.__dict__.setdefault("_cache", {})
        X = char_counts(
            raw_documents, self.vocabulary_, self.ngram_range[0], self.ngram_range[1], self.lowercase, cache
        )
        return tfidf_weight(X, self.idf_, self.dtype)

    def __getstate__(self):
        """Pickle without the word cache."""
        state = super().__getstate__()
        state.pop("_cache", None)
        return state


class CachedWordTfidf(TfidfVectorizer):
    """Word n-grams (n <= 2) counted by direct vocabulary lookups.

    Its parameters are ``TfidfVectorizer``'s own, as explicit ``__init__`` arguments
    (inherited), so ``get_params()``/``clone`` work."""

    def transform(self, raw_documents):
        """TF-IDF of ``raw_documents``: the same matrix as ``TfidfVectorizer.transform``."""
        if not PlainTfidf.supports(self) or self.analyzer != "word":
            return super().transform(raw_documents)
        X = word_counts(
            raw_documents, self.vocabulary_, self.token_pattern, self.lowercase, self.ngram_range[1] == 2
        )
        return tfidf_weight(X, self.idf_, self.dtype)
