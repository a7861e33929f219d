"""A faster ``char_wb`` TF-IDF transform with the same output as scikit-learn's.

``char_wb`` n-grams never cross word boundaries, so a sentence's n-gram counts are the sum
of its words' counts. Words recur constantly, so each distinct word is analysed once and
cached; a sentence becomes a sum of cached rows. The TF-IDF weighting (sublinear tf, idf,
l2 norm) is then applied exactly as ``TfidfVectorizer.transform`` does.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize


class CachedCharTfidf(TfidfVectorizer):
    def __init__(self, **kw):
        kw.setdefault("analyzer", "char_wb")
        super().__init__(**kw)

    def _word_row(self, word: str) -> np.ndarray:
        cache = self.__dict__.setdefault("_cache", {})
        row = cache.get(word)
        if row is None:
            vocab = self.vocabulary_
            ids = [vocab[g] for g in self._char_wb_ngrams(word) if g in vocab]
            row = np.array(ids, dtype=np.int64)
            if len(cache) < 500_000:
                cache[word] = row
        return row

    def transform(self, raw_documents):
        if self.analyzer != "char_wb" or not self.sublinear_tf or self.norm != "l2" or not self.use_idf:
            return super().transform(raw_documents)
        pre = self.build_preprocessor()
        indices, indptr = [], [0]
        for doc in raw_documents:
            rows = [self._word_row(w) for w in self._white_spaces.sub(" ", pre(doc)).split()]
            idx = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
            indices.append(idx)
            indptr.append(indptr[-1] + len(idx))
        data = np.ones(indptr[-1], dtype=np.float64)
        X = sparse.csr_matrix((data, np.concatenate(indices) if indices else np.empty(0, dtype=np.int64), indptr),
                              shape=(len(indptr) - 1, len(self.vocabulary_)))
        X.sum_duplicates()
        np.log(X.data, X.data)
        X.data += 1
        X = X @ sparse.diags(self.idf_)
        return normalize(X, norm="l2", copy=False).astype(self.dtype)

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_cache", None)
        return state
