"""Sparse TF-IDF features, small and fast for one request at a time.

`TfidfIndex` is the usual weighting (sublinear tf, smoothed idf, L2 norm per row) over any token
lists — character n-grams or words — kept as a plain vocabulary and an idf array so a model file
stays small and transforming a single request costs tens of microseconds, not a millisecond.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse


def char_ngrams(text: str, low: int = 1, high: int = 3) -> list[str]:
    text = " ".join(text.split())
    return [text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]


class TfidfIndex:
    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)

    @property
    def size(self) -> int:
        return len(self.vocabulary)

    def fit(self, documents: Sequence[Iterable[str]]) -> TfidfIndex:
        df: Counter[str] = Counter()
        for tokens in documents:
            df.update(set(tokens))
        terms = sorted(df)
        self.vocabulary = {t: i for i, t in enumerate(terms)}
        n = len(documents)
        self.idf = np.array([math.log((1 + n) / (1 + df[t])) + 1 for t in terms], dtype=np.float32)
        return self

    def transform(self, documents: Sequence[Iterable[str]]) -> sparse.csr_matrix:
        indptr, indices, values = [0], [], []
        vocab, idf = self.vocabulary, self.idf
        for tokens in documents:
            counts = Counter(vocab[t] for t in tokens if t in vocab)
            cols = sorted(counts)
            row = np.array([(1.0 + math.log(counts[c])) * idf[c] for c in cols], dtype=np.float32)
            norm = float(np.sqrt(row @ row)) if len(row) else 0.0
            if norm > 0:
                row /= norm
            indices.extend(cols)
            values.extend(row.tolist())
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (np.array(values, dtype=np.float32), np.array(indices, dtype=np.int32), np.array(indptr)),
            shape=(len(documents), self.size),
        )

    def fit_transform(self, documents: Sequence[Iterable[str]]) -> sparse.csr_matrix:
        docs = [list(d) for d in documents]
        return self.fit(docs).transform(docs)
