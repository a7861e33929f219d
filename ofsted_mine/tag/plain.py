"""TF-IDF features from plain arrays: what tagging needs, without importing scikit-learn.

A fitted ``TfidfVectorizer`` is, for transforming, a vocabulary, an idf vector and a few
settings. ``PlainTfidf`` keeps just those, so a saved model can be loaded and used for
tagging without unpickling scikit-learn objects (whose import costs more than half a
second at every start-up). The same counting functions serve the scikit-learn subclasses
in ``fastchar.py`` at training time, so there is one implementation; a test checks both
against scikit-learn's own ``transform``.

Supported: sublinear tf, idf, l2 norm; words (1- and 2-grams, a token pattern) or
``char_wb`` n-grams; lower-casing and no accent stripping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

_CACHE_MAX = 500_000
_WHITE = re.compile(r"\s\s+")


def char_wb_ngrams(word: str, lo: int, hi: int) -> list[str]:
    """n-grams (lo..hi) of one word padded with a space on each side, as ``char_wb`` counts
    them: a padded word shorter than n is counted once, whole, and longer n are skipped."""
    w = f" {word} "
    out: list[str] = []
    for n in range(lo, hi + 1):
        if n >= len(w):
            out.append(w)
            break
        out.extend(w[i : i + n] for i in range(len(w) - n + 1))
    return out


def word_counts(docs, vocab: dict, token_pattern: str, lowercase: bool, bigrams: bool) -> sparse.csr_matrix:
    """Counts of known word uni- (and bi-)grams per document, by direct vocabulary lookups."""
    find = re.compile(token_pattern).findall
    get = vocab.get
    cols: list[int] = []
    indptr = [0]
    for doc in docs:
        toks = find(doc.lower() if lowercase else doc)
        ids = [get(t) for t in toks]
        if bigrams and len(toks) > 1:
            ids += [get(a + " " + b) for a, b in zip(toks, toks[1:])]
        cols.extend([i for i in ids if i is not None])
        indptr.append(len(cols))
    X = sparse.csr_matrix(
        (np.ones(len(cols)), np.array(cols, dtype=np.int32), np.array(indptr)),
        shape=(len(indptr) - 1, len(vocab)),
    )
    X.sum_duplicates()
    return X


def char_counts(docs, vocab: dict, lo: int, hi: int, lowercase: bool, cache: dict) -> sparse.csr_matrix:
    """Counts of known ``char_wb`` n-grams per document. n-grams never cross words, so a
    document's counts are the sum of its words' counts: each distinct word is analysed once
    (and cached), and a batch is (document x word counts) @ (word x n-gram counts)."""
    local: dict[str, int] = {}
    cols: list[int] = []
    indptr = [0]
    for doc in docs:
        cols.extend(
            [
                local.setdefault(w, len(local))
                for w in _WHITE.sub(" ", doc.lower() if lowercase else doc).split()
            ]
        )
        indptr.append(len(cols))
    n, u, v = len(indptr) - 1, len(local), len(vocab)
    S = sparse.csr_matrix(
        (np.ones(len(cols)), np.array(cols, dtype=np.int32), np.array(indptr)), shape=(n, u)
    )
    rows = []
    for word in local:  # dict order = local ids
        row = cache.get(word)
        if row is None:
            row = np.array([vocab[g] for g in char_wb_ngrams(word, lo, hi) if g in vocab], dtype=np.int32)
            if len(cache) < _CACHE_MAX:
                cache[word] = row
        rows.append(row)
    lens = np.fromiter((len(r) for r in rows), dtype=np.int64, count=u)
    mptr = np.concatenate([[0], np.cumsum(lens)])
    M = sparse.csr_matrix(
        (np.ones(int(mptr[-1])), np.concatenate(rows) if rows else np.empty(0, np.int32), mptr), shape=(u, v)
    )
    X = (S @ M).tocsr()
    X.eliminate_zeros()
    return X


def tfidf_weight(X: sparse.csr_matrix, idf: np.ndarray, dtype) -> sparse.csr_matrix:
    """Sublinear tf (1 + log count), idf, then each row scaled to unit l2 norm."""
    np.log(X.data, X.data)
    X.data += 1.0
    X.data *= idf[X.indices]
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    norms = np.sqrt(np.bincount(rows, weights=X.data**2, minlength=X.shape[0]))
    norms[norms == 0.0] = 1.0
    X.data /= norms[rows]
    return X.astype(dtype)


@dataclass
class PlainTfidf:
    """The transform of a fitted ``TfidfVectorizer`` (words 1–2 or ``char_wb``)."""

    analyzer: str
    vocabulary: dict
    idf: np.ndarray
    ngram_range: tuple
    lowercase: bool = True
    token_pattern: str = r"(?u)\b\w\w+\b"
    dtype: type = np.float32
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def supports(cls, vec) -> bool:
        """Whether a fitted scikit-learn vectorizer uses only options this plain version reproduces."""
        ok = (
            vec.sublinear_tf
            and vec.norm == "l2"
            and vec.use_idf
            and vec.binary is False
            and vec.strip_accents is None
            and vec.preprocessor is None
        )
        if vec.analyzer == "word":
            return (
                ok
                and vec.ngram_range[0] == 1
                and vec.ngram_range[1] <= 2
                and vec.stop_words is None
                and vec.tokenizer is None
            )
        return ok and vec.analyzer == "char_wb"

    @classmethod
    def from_vectorizer(cls, vec) -> PlainTfidf:
        """The plain copy of a fitted scikit-learn TF-IDF vectorizer (the fast save format)."""
        return cls(
            vec.analyzer,
            {str(t): int(i) for t, i in vec.vocabulary_.items()},  # plain ints: 3x faster to load
            np.asarray(vec.idf_, dtype=np.float64),
            tuple(vec.ngram_range),
            bool(vec.lowercase),
            vec.token_pattern,
            vec.dtype,
        )

    def transform(self, docs) -> sparse.csr_matrix:
        """TF-IDF rows for ``docs``, equal to the scikit-learn vectorizer's ``transform``."""
        if self.analyzer == "word":
            X = word_counts(
                docs, self.vocabulary, self.token_pattern, self.lowercase, self.ngram_range[1] == 2
            )
        else:
            X = char_counts(
                docs, self.vocabulary, self.ngram_range[0], self.ngram_range[1], self.lowercase, self._cache
            )
        return tfidf_weight(X, self.idf, self.dtype)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_cache"] = {}
        return state
