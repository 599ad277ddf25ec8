"""Sparse TF-IDF features, small and fast for one request at a time.

`TfidfIndex` is the usual weighting (sublinear tf, smoothed idf, L2 norm per row) over any token
lists — character n-grams or words — kept as a plain vocabulary and an idf array so a model file
stays small and transforming a single request costs tens of microseconds, not a millisecond.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import repeat

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

    def row(self, tokens: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """One document's non-zero columns (ascending) and their weights."""
        # every token's column (-1: not in the vocabulary) without a Python-level loop: on the
        # intake path this is most of the fast form's time after segmentation
        ids = np.fromiter(map(self.vocabulary.get, tokens, repeat(-1)), dtype=np.int32)
        cols, counts = np.unique(ids[ids >= 0], return_counts=True)
        if not len(cols):
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        values = (1.0 + np.log(counts.astype(np.float32))) * self.idf[cols]
        norm = float(np.sqrt(values @ values))
        return cols, (values / norm if norm > 0 else values).astype(np.float32)

    def transform(self, documents: Sequence[Iterable[str]]) -> sparse.csr_matrix:
        return stacked([[self.row(tokens)] for tokens in documents], [self.size])

    def fit_transform(self, documents: Sequence[Iterable[str]]) -> sparse.csr_matrix:
        docs = [list(d) for d in documents]
        return self.fit(docs).transform(docs)


def stacked(rows: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]], sizes: Sequence[int]) -> sparse.csr_matrix:
    """One CSR matrix from per-document rows of several indexes side by side (`rows[d][i]` is
    document d's row in index i, of `sizes[i]` columns): built at once, no stacking of matrices."""
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int32)
    indices, values, indptr = [], [], [0]
    for parts in rows:
        for (cols, vals), offset in zip(parts, offsets, strict=True):
            indices.append(cols + offset)
            values.append(vals)
        indptr.append(indptr[-1] + sum(len(cols) for cols, _ in parts))
    return sparse.csr_matrix(
        (np.concatenate(values) if values else np.zeros(0, np.float32),
         np.concatenate(indices) if indices else np.zeros(0, np.int32), np.array(indptr, dtype=np.int64)),
        shape=(len(rows), int(sum(sizes))))
