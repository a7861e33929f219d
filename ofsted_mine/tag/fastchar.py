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
a test checks the two give the same matrix.
"""
from __future__ import annotations

import re

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

_CACHE_MAX = 500_000


def _weight(X: sparse.csr_matrix, vec: TfidfVectorizer):
    """sublinear tf, idf and l2 norm, as ``TfidfTransformer.transform`` applies them."""
    np.log(X.data, X.data)
    X.data += 1.0
    X.data *= vec.idf_[X.indices]
    return normalize(X, norm="l2", copy=False).astype(vec.dtype)


def _fast_ok(vec: TfidfVectorizer) -> bool:
    return vec.sublinear_tf and vec.norm == "l2" and vec.use_idf and vec.binary is False


class CachedCharTfidf(TfidfVectorizer):
    def __init__(self, **kw):
        kw.setdefault("analyzer", "char_wb")
        super().__init__(**kw)

    def _word_row(self, word: str) -> np.ndarray:
        cache = self.__dict__.setdefault("_cache", {})
        row = cache.get(word)
        if row is None:
            vocab = self.vocabulary_
            row = np.array([vocab[g] for g in self._char_wb_ngrams(word) if g in vocab], dtype=np.int32)
            if len(cache) < _CACHE_MAX:
                cache[word] = row
        return row

    def transform(self, raw_documents):
        if self.analyzer != "char_wb" or not _fast_ok(self):
            return super().transform(raw_documents)
        pre = self.build_preprocessor()
        ws = self._white_spaces
        local: dict[str, int] = {}
        cols: list[int] = []
        indptr = [0]
        for doc in raw_documents:
            cols.extend([local.setdefault(w, len(local)) for w in ws.sub(" ", pre(doc)).split()])
            indptr.append(len(cols))
        n, u, v = len(indptr) - 1, len(local), len(self.vocabulary_)
        S = sparse.csr_matrix((np.ones(len(cols)), np.array(cols, dtype=np.int32), np.array(indptr)), shape=(n, u))
        rows = [self._word_row(w) for w in local]  # dict order = local ids
        lens = np.fromiter((len(r) for r in rows), dtype=np.int64, count=u)
        mptr = np.concatenate([[0], np.cumsum(lens)])
        M = sparse.csr_matrix((np.ones(int(mptr[-1])), np.concatenate(rows) if rows else np.empty(0, np.int32), mptr),
                              shape=(u, v))
        X = (S @ M).tocsr()
        X.eliminate_zeros()
        return _weight(X, self)

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_cache", None)
        return state


class CachedWordTfidf(TfidfVectorizer):
    """Word n-grams (n <= 2) counted by direct vocabulary lookups."""

    def transform(self, raw_documents):
        if self.analyzer != "word" or self.ngram_range[0] != 1 or self.ngram_range[1] > 2 or \
                self.stop_words is not None or self.tokenizer is not None or not _fast_ok(self):
            return super().transform(raw_documents)
        pre = self.build_preprocessor()
        find = re.compile(self.token_pattern).findall
        vocab = self.vocabulary_
        get = vocab.get
        bigrams = self.ngram_range[1] == 2
        cols: list[int] = []
        indptr = [0]
        for doc in raw_documents:
            toks = find(pre(doc))
            ids = [get(t) for t in toks]
            if bigrams and len(toks) > 1:
                ids += [get(a + " " + b) for a, b in zip(toks, toks[1:])]
            cols.extend([i for i in ids if i is not None])
            indptr.append(len(cols))
        X = sparse.csr_matrix((np.ones(len(cols)), np.array(cols, dtype=np.int32), np.array(indptr)),
                              shape=(len(indptr) - 1, len(vocab)))
        X.sum_duplicates()
        return _weight(X, self)
