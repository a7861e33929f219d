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

from sklearn.feature_extraction.text import TfidfVectorizer

from .plain import PlainTfidf, char_counts, tfidf_weight, word_counts


class CachedCharTfidf(TfidfVectorizer):
    def __init__(self, **kw):
        kw.setdefault("analyzer", "char_wb")
        super().__init__(**kw)

    def transform(self, raw_documents):
        if not PlainTfidf.supports(self) or self.analyzer != "char_wb":
            return super().transform(raw_documents)
        cache = self.__dict__.setdefault("_cache", {})
        X = char_counts(
            raw_documents, self.vocabulary_, self.ngram_range[0], self.ngram_range[1], self.lowercase, cache
        )
        return tfidf_weight(X, self.idf_, self.dtype)

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_cache", None)
        return state


class CachedWordTfidf(TfidfVectorizer):
    """Word n-grams (n <= 2) counted by direct vocabulary lookups."""

    def transform(self, raw_documents):
        if not PlainTfidf.supports(self) or self.analyzer != "word":
            return super().transform(raw_documents)
        X = word_counts(
            raw_documents, self.vocabulary_, self.token_pattern, self.lowercase, self.ngram_range[1] == 2
        )
        return tfidf_weight(X, self.idf_, self.dtype)
