"""Category of a request: a linear model over words, character n-grams and a sentence embedding.

Two linear heads are trained and their margins added:
- text head: TF-IDF over character 1–3-grams and jieba words (with the city's lexicon), place
  names masked so the model learns what the problem is, not where it is;
- embedding head: the multilingual sentence embedding of the first `embed_chars` characters
  (what carries meaning across words the city's history has not used yet: 表扬 ≈ 感谢).
The city's own words are training signal too: each category's name and the phrases of its
description (and any keywords) are added as short labelled examples.

The summed margins become probabilities by a temperature fitted on out-of-fold margins of the
training data itself (so a confidence of 0.9 means right about nine times in ten on unseen text).
Everything is deterministic for a given seed.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from minsheng.routing.embed import SentenceEmbedder
from minsheng.routing.features import TfidfIndex, char_ngrams
from minsheng.routing.text import Segmenter, normalise

Masker = Callable[[str], str]


@dataclass(frozen=True)
class Prediction:
    """Top categories with calibrated probabilities, best first."""

    labels: tuple[str, ...]
    probs: tuple[float, ...]

    @property
    def label(self) -> str:
        return self.labels[0]

    @property
    def confidence(self) -> float:
        return self.probs[0]

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        return list(zip(self.labels[:k], self.probs[:k], strict=True))


@dataclass
class LinearHead:
    """coef (classes × features, float32) and intercept: margins = X·coefᵀ + intercept."""

    coef: np.ndarray
    intercept: np.ndarray

    @classmethod
    def fit(cls, X: sparse.spmatrix | np.ndarray, y: np.ndarray, C: float, seed: int) -> LinearHead:
        # the primal solver is far faster when examples outnumber features (the 512-d embeddings)
        dual = X.shape[0] < X.shape[1]
        svm = LinearSVC(C=C, dual=dual, random_state=seed, max_iter=5000).fit(X, y)
        coef = svm.coef_.astype(np.float32)
        intercept = svm.intercept_.astype(np.float32)
        if coef.shape[0] == 1:  # two classes: sklearn keeps one row
            coef, intercept = np.vstack([-coef, coef]), np.array([-intercept[0], intercept[0]], np.float32)
        return cls(coef, intercept)

    def margins(self, X: sparse.spmatrix | np.ndarray) -> np.ndarray:
        return np.asarray(X @ self.coef.T) + self.intercept

    def __getstate__(self) -> dict[str, np.ndarray]:
        # float16 on disk halves the file; margins move by ~1e-3, far below any decision gap
        return {"coef": self.coef.astype(np.float16), "intercept": self.intercept}

    def __setstate__(self, state: dict[str, np.ndarray]) -> None:
        self.coef = state["coef"].astype(np.float32)
        self.intercept = state["intercept"].astype(np.float32)


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, y_index: np.ndarray) -> float:
    """The inverse temperature that minimises the negative log-likelihood of the true classes."""

    def nll(t: float) -> float:
        p = softmax(scores, t)[np.arange(len(y_index)), y_index]
        return float(-np.log(np.clip(p, 1e-12, None)).mean())

    grid = [math.exp(x / 4) for x in range(-8, 25)]  # 0.14 … 403
    best = min(grid, key=nll)
    lo, hi = best / math.exp(0.25), best * math.exp(0.25)
    for _ in range(30):  # golden-section refinement
        a, b = lo + 0.382 * (hi - lo), lo + 0.618 * (hi - lo)
        lo, hi = (lo, b) if nll(a) < nll(b) else (a, hi)
    return (lo + hi) / 2


class CategoryModel:
    """Fit on (text, label) pairs; predict calibrated probabilities over the labels seen."""

    def __init__(
        self,
        *,
        seed: int = 0,
        C: float = 1.0,
        embed_weight: float = 0.5,
        embed_chars: int = 64,
        use_embeddings: bool = True,
        lexicon: Sequence[str] = (),
        masker: Masker | None = None,
        calibration_folds: int = 3,
        calibration_max: int = 1500,
        embed_max: int = 3000,
    ) -> None:
        self.seed = seed
        self.C = C
        self.embed_weight = embed_weight if use_embeddings else 0.0
        self.embed_chars = embed_chars
        self.use_embeddings = use_embeddings
        self.segmenter = Segmenter(lexicon)
        self.masker = masker
        self.calibration_folds = calibration_folds
        self.calibration_max = calibration_max
        self.embed_max = embed_max
        self.classes_: list[str] = []
        self.temperature = 1.0
        self._char: TfidfIndex | None = None
        self._word: TfidfIndex | None = None
        self._text_head: LinearHead | None = None
        self._embed_head: LinearHead | None = None

    # ---- features -------------------------------------------------------------------------
    def prepare(self, text: str) -> str:
        text = normalise(text)
        return self.masker(text) if self.masker else text

    def _embedder(self) -> SentenceEmbedder:
        return SentenceEmbedder()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._embedder().encode([normalise(t)[: self.embed_chars] for t in texts])

    def _text_matrix(self, prepared: Sequence[str], fit: bool = False) -> sparse.csr_matrix:
        grams = [char_ngrams(t) for t in prepared]
        words = [self.segmenter.words(t) for t in prepared]
        if fit:
            self._char, self._word = TfidfIndex(), TfidfIndex()
            return sparse.hstack([self._char.fit_transform(grams), self._word.fit_transform(words)]).tocsr()
        assert self._char is not None and self._word is not None, "model is not trained"
        return sparse.hstack([self._char.transform(grams), self._word.transform(words)]).tocsr()

    # ---- training ---------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[str],
            priors: Sequence[tuple[str, str]] = ()) -> CategoryModel:
        """Train on labelled texts; `priors` are (phrase, label) pairs from the taxonomy itself."""
        if len(texts) != len(labels) or not texts:
            raise ValueError("需要等长且非空的文本和标签")
        all_texts = list(texts) + [t for t, _ in priors]
        y = np.array(list(labels) + [label for _, label in priors])
        self.classes_ = sorted(set(y.tolist()))
        if len(self.classes_) < 2:
            raise ValueError("至少需要两个类别")
        prepared = [self.prepare(t) for t in all_texts]
        X = self._text_matrix(prepared, fit=True)
        # The embedding head (and the calibration, which needs both heads) learns from a class-balanced
        # sample of at most `embed_max` examples: embedding every one of 10,000 requests would cost
        # more than the rest of training, for a head that has learnt what it can long before.
        rows = np.concatenate([balanced_sample(y[: len(texts)], self.embed_max, self.seed),
                               np.arange(len(texts), len(y))])
        E = self.embed([all_texts[i] for i in rows]) if self.use_embeddings else None
        self.temperature = self._calibrate(X[rows], E, y[rows], n_real=len(rows) - len(priors))
        self._text_head = LinearHead.fit(X, y, self.C, self.seed)
        self._embed_head = LinearHead.fit(E, y[rows], self.C, self.seed) if E is not None else None
        return self

    def _margins(self, X: sparse.spmatrix, E: np.ndarray | None, text_head: LinearHead,
                 embed_head: LinearHead | None) -> np.ndarray:
        scores = text_head.margins(X)
        if embed_head is not None and E is not None:
            scores = scores + self.embed_weight * embed_head.margins(E)
        return scores

    def _calibrate(self, X: sparse.csr_matrix, E: np.ndarray | None, y: np.ndarray, n_real: int) -> float:
        """Temperature from out-of-fold margins (a sample of at most `calibration_max` real examples)."""
        rng = np.random.default_rng(self.seed)
        real = np.arange(n_real)
        if n_real > self.calibration_max:
            real = np.sort(rng.choice(real, self.calibration_max, replace=False))
        counts = Counter(y[real].tolist())
        folds = min(self.calibration_folds, max(counts.values()))
        if folds < 2:
            return 1.0
        priors = np.arange(n_real, len(y))
        scores, truth = [], []
        splitter = StratifiedKFold(folds, shuffle=True, random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # classes rarer than the fold count
            splits = list(splitter.split(real, y[real]))
        for train_idx, test_idx in splits:
            train = np.concatenate([real[train_idx], priors])
            test = real[test_idx]
            if len(set(y[train].tolist())) < 2:
                continue
            text_head = LinearHead.fit(X[train], y[train], self.C, self.seed)
            embed_head = LinearHead.fit(E[train], y[train], self.C, self.seed) if E is not None else None
            fold_classes = sorted(set(y[train].tolist()))
            keep = np.array([label in fold_classes for label in y[test]])
            if not keep.any():
                continue
            test = test[keep]
            fold_scores = self._margins(X[test], None if E is None else E[test], text_head, embed_head)
            scores.append(fold_scores)
            truth.append(np.array([fold_classes.index(label) for label in y[test]]))
        if not scores:
            return 1.0
        # Folds may see different class sets; calibrate each fold's scores in its own class space.
        return fit_temperature_multi(scores, truth)

    # ---- prediction ---------------------------------------------------------------------------
    def decision(self, texts: Sequence[str]) -> np.ndarray:
        assert self._text_head is not None, "model is not trained"
        X = self._text_matrix([self.prepare(t) for t in texts])
        E = self.embed(texts) if self._embed_head is not None else None
        return self._margins(X, E, self._text_head, self._embed_head)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return softmax(self.decision(texts), self.temperature)

    def predict(self, texts: Sequence[str], k: int = 3) -> list[Prediction]:
        probs = self.predict_proba(texts)
        out = []
        for row in probs:
            order = np.argsort(-row, kind="stable")[:k]
            labels = tuple(self.classes_[i] for i in order)
            out.append(Prediction(labels, tuple(float(row[i]) for i in order)))
        return out

    def predict_one(self, text: str, k: int = 3) -> Prediction:
        return self.predict([text], k)[0]


def balanced_sample(y: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """Sorted indices of at most `limit` rows, as even across classes as the classes allow."""
    if len(y) <= limit:
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    rank = np.empty(len(y), dtype=np.int64)
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        rank[rng.permutation(members)] = np.arange(len(members))
    order = np.lexsort((rng.random(len(y)), rank))  # every class's first, then every class's second, …
    return np.sort(order[:limit])


def fit_temperature_multi(scores: list[np.ndarray], truth: list[np.ndarray]) -> float:
    """fit_temperature over several blocks whose class spaces may differ."""
    width = max(s.shape[1] for s in scores)
    padded = [np.pad(s, ((0, 0), (0, width - s.shape[1])), constant_values=-1e9) for s in scores]
    return fit_temperature(np.vstack(padded), np.concatenate(truth))
