"""Sparse TF-IDF features, small and fast for the few requests of an intake batch.

`TfidfIndex` is the usual weighting (sublinear tf, smoothed idf, L2 norm per row) over any token
lists — character n-grams or words — kept as a plain vocabulary and an idf array so a model file
stays small. `SparseRows` holds a batch's rows: weighted in plain Python and multiplied by a
linear head's weights with a gather, tens of microseconds a request even for a batch of one
(scipy's sparse constructor alone costs more); training turns them into a scipy matrix.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # scipy (~20 MB a process) is for training: a process that only routes never loads it
    from scipy import sparse


def char_ngrams(text: str, low: int = 1, high: int = 3) -> list[str]:
    text = " ".join(text.split())
    return [text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]


class TfidfIndex:
    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)
        self._idf_list: list[float] = []  # the idf as Python floats: indexed per token in `row`

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
        self._idf_list = self.idf.tolist()
        return self

    def row(self, tokens: Iterable[str]) -> tuple[list[int], list[float]]:
        """One document's known tokens' columns and their weights (plain Python: for the few
        requests of an intake batch, array calls would cost more than the arithmetic)."""
        vocabulary, idf = self.vocabulary, self._idf_list
        counts = Counter(tokens)
        known = [(col, count) for token, count in counts.items() if (col := vocabulary.get(token)) is not None]
        cols = [col for col, _ in known]
        values = [idf[col] if count == 1 else (1.0 + math.log(count)) * idf[col] for col, count in known]
        norm = math.hypot(*values)
        return cols, [v / norm for v in values] if norm > 0 else values

    def __getstate__(self) -> dict[str, object]:
        return {"vocabulary": self.vocabulary, "idf": self.idf}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._idf_list = self.idf.tolist()

    def transform(self, documents: Sequence[Iterable[str]]) -> sparse.csr_matrix:
        return SparseRows.of([self], [documents]).csr()

    def fit_transform(self, documents: Sequence[Iterable[str]]) -> sparse.csr_matrix:
        docs = [list(d) for d in documents]
        return self.fit(docs).transform(docs)


CHUNK_ROWS = 64


@dataclass(frozen=True)
class SparseRows:
    """Documents' TF-IDF rows (CSR arrays without scipy's constructor and its checks, which cost
    more than the rest for one request)."""

    indptr: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    width: int

    @classmethod
    def of(cls, indexes: Sequence[TfidfIndex], documents: Sequence[Sequence[Iterable[str]]]) -> SparseRows:
        """The rows of several indexes side by side: `documents[i]` are every document's tokens
        for `indexes[i]`."""
        cols: list[int] = []
        values: list[float] = []
        indptr = [0]
        offsets = list(itertools.accumulate((index.size for index in indexes), initial=0))
        for parts in zip(*documents, strict=True):
            for index, offset, tokens in zip(indexes, offsets[:-1], parts, strict=True):
                row_cols, row_values = index.row(tokens)
                cols.extend([col + offset for col in row_cols] if offset else row_cols)
                values.extend(row_values)
            indptr.append(len(cols))
        return cls(np.array(indptr, dtype=np.int64), np.array(cols, dtype=np.int32),
                   np.array(values, dtype=np.float32), offsets[-1])

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    def csr(self) -> sparse.csr_matrix:
        from scipy import sparse

        matrix = sparse.csr_matrix((self.values, self.cols, self.indptr), shape=(self.rows, self.width))
        matrix.sort_indices()
        return matrix

    def times(self, weights: np.ndarray) -> np.ndarray:
        """self · weights (features × k, row-major): the weight rows of each document's features,
        scaled and summed."""
        out = np.zeros((self.rows, weights.shape[1]), dtype=np.float32)
        for first in range(0, self.rows, CHUNK_ROWS):  # bounds the temporary array of scaled rows
            indptr = self.indptr[first : first + CHUNK_ROWS + 1]
            filled = np.flatnonzero(np.diff(indptr))
            if len(filled):
                start, stop = indptr[0], indptr[-1]
                scaled = weights[self.cols[start:stop]] * self.values[start:stop, None]
                out[first + filled] = np.add.reduceat(scaled, indptr[filled] - start, axis=0)
        return out
