"""Category of a request: a linear model over words, character n-grams and a sentence embedding.

Two linear heads are trained and their margins added:
- text head: TF-IDF over character 1–2-grams (`char_high`) and words (with the city's lexicon), place
  names masked so the model learns what the problem is, not where it is;
- embedding head: the multilingual sentence embedding of the first `embed_chars` characters
  (what carries meaning across words the city's history has not used yet: 表扬 ≈ 感谢).
The city's own words are training signal too: each category's name and the phrases of its
description (and any keywords) are added as short labelled examples.

For labels of another taxonomy (a city's own `text,label` data) a third head may join: a *domain
model* (the city's routing model, or one learnt from its category descriptions) reads the text,
and its probabilities over the city's categories are the features of a small linear head, so
"河水发黑、怀疑偷排" counts as evidence for the label that such complaints carry even when no training
text of that label used those words. Its weight is chosen by cross-validation on the training data.

The text head alone is the *fast* form (`predict(..., fast=True)`, a millisecond or two: what the
intake path can afford when the embedding is left to the background router); it has its own
temperature, fitted on the same out-of-fold margins.

The summed margins become probabilities by a temperature fitted on out-of-fold margins of the
training data itself (so a confidence of 0.9 means right about nine times in ten on unseen text);
folds keep texts that share a distinctive phrase together. Everything is deterministic for a given
seed.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from minsheng.routing.embed import SentenceEmbedder
from minsheng.routing.features import SparseRows, TfidfIndex, char_ngrams
from minsheng.routing.text import Segmenter, normalise

if TYPE_CHECKING:  # training's: a process that only routes never imports scipy
    from scipy import sparse

Masker = Callable[[str], str]
# Weights tried for the domain head (see CategoryModel.domain), chosen by out-of-fold likelihood.
DOMAIN_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)
TOLERANCE = 1e-3  # liblinear stopping tolerance: 1e-4 (its default) cost 20% more training time for
# coefficients that moved by under 1e-4 and the same cross-file accuracy


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
    """weights (features × classes, float32, row-major) and intercept: margins = X·weights + intercept.

    Row-major by feature, so a request's ~150 non-zero features read as many short contiguous rows:
    in the classes × features layout scikit-learn gives, each feature reads one value from every
    class's row, a cache line apiece (53 for the Pinghu model), on a web worker whose caches the
    rest of the request has just filled."""

    weights: np.ndarray
    intercept: np.ndarray

    @classmethod
    def fit(cls, X: sparse.spmatrix | np.ndarray, y: np.ndarray, C: float, seed: int) -> LinearHead:
        from sklearn.svm import LinearSVC  # training only: a process that only predicts never imports it

        # the primal solver is far faster when examples outnumber features (the 512-d embeddings)
        dual = X.shape[0] < X.shape[1]
        svm = LinearSVC(C=C, dual=dual, tol=TOLERANCE, random_state=seed, max_iter=5000).fit(X, y)
        coef = svm.coef_.astype(np.float32)
        intercept = svm.intercept_.astype(np.float32)
        if coef.shape[0] == 1:  # two classes: sklearn keeps one row
            coef, intercept = np.vstack([-coef, coef]), np.array([-intercept[0], intercept[0]], np.float32)
        return cls(np.ascontiguousarray(coef.T), intercept)

    def margins(self, X: SparseRows | sparse.spmatrix | np.ndarray) -> np.ndarray:
        if isinstance(X, SparseRows):
            return X.times(self.weights) + self.intercept
        return np.asarray(X @ self.weights) + self.intercept

    def __getstate__(self) -> dict[str, np.ndarray]:
        # float16 on disk halves the file; margins move by ~1e-3, far below any decision gap.
        # Stored classes × features, as files written before the layout changed.
        return {"coef": self.weights.T.astype(np.float16), "intercept": self.intercept}

    def __setstate__(self, state: dict[str, np.ndarray]) -> None:
        self.weights = np.ascontiguousarray(state["coef"].T.astype(np.float32))
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
        C: float = 1.5,
        embed_weight: float = 0.3,
        embed_chars: int = 64,
        char_high: int = 2,
        use_embeddings: bool = True,
        lexicon: Sequence[str] = (),
        masker: Masker | None = None,
        calibration_folds: int = 3,
        calibration_max: int = 1500,
        embed_max: int = 3000,
        domain: CategoryModel | None = None,
        domain_weights: Sequence[float] = DOMAIN_WEIGHTS,
    ) -> None:
        self.seed = seed
        self.C = C
        self.embed_weight = embed_weight if use_embeddings else 0.0
        self.embed_chars = embed_chars
        self.char_high = char_high
        self.use_embeddings = use_embeddings
        self.segmenter = Segmenter(lexicon)
        self.masker = masker
        self.calibration_folds = calibration_folds
        self.calibration_max = calibration_max
        self.embed_max = embed_max
        self.domain = domain
        self.domain_weights = tuple(domain_weights)
        self.domain_weight = 0.0
        self.classes_: list[str] = []
        self.temperature = 1.0
        self.text_temperature: float | None = None  # the fast form's (None: a file from before it)
        self._char: TfidfIndex | None = None
        self._word: TfidfIndex | None = None
        self._text_head: LinearHead | None = None
        self._embed_head: LinearHead | None = None
        self._domain_head: LinearHead | None = None

    def __setstate__(self, state: dict[str, object]) -> None:
        # files of format 1 predate the domain head (and files before 2026-12-04, the choice of n-grams)
        self.__dict__.update({"domain": None, "domain_weights": DOMAIN_WEIGHTS, "domain_weight": 0.0,
                              "_domain_head": None, "text_temperature": None, "char_high": 3})
        self.__dict__.update(state)

    # ---- features -------------------------------------------------------------------------
    def prepare(self, text: str) -> str:
        text = normalise(text)
        return self.masker(text) if self.masker else text

    def _embedder(self) -> SentenceEmbedder:
        return SentenceEmbedder()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._embedder().encode([normalise(t)[: self.embed_chars] for t in texts])

    @property
    def needs_embeddings(self) -> bool:
        return self.use_embeddings or (self.domain is not None and self.domain.needs_embeddings)

    def _embed_if_needed(self, texts: Sequence[str]) -> np.ndarray | None:
        return self.embed(texts) if self.needs_embeddings else None

    def _domain_features(self, texts: Sequence[str], E: np.ndarray | None) -> np.ndarray:
        """The domain model's calibrated probabilities over its own categories (the embedding is
        shared when both models embed the same way, as they do by default)."""
        assert self.domain is not None
        shared = E if E is not None and self.domain.embed_chars == self.embed_chars else None
        return self.domain.proba_with(texts, shared)

    def _text_matrix(self, prepared: Sequence[str], fit: bool = False) -> SparseRows:
        grams = [char_ngrams(t, high=self.char_high) for t in prepared]
        words = [self.segmenter.words(t) for t in prepared]
        if fit:
            self._char, self._word = TfidfIndex(), TfidfIndex()
            self._char.fit(grams)
            self._word.fit(words)
        assert self._char is not None and self._word is not None, "model is not trained"
        return SparseRows.of([self._char, self._word], [grams, words])

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
        # The embedding and domain heads (and the calibration, which needs every head) learn from a
        # class-balanced sample of at most `embed_max` examples: embedding every one of 10,000
        # requests would cost more than the rest of training, for a head that has learnt what it
        # can long before.
        rows = np.concatenate([balanced_sample(y[: len(texts)], self.embed_max, self.seed),
                               np.arange(len(texts), len(y))])
        sample = [all_texts[i] for i in rows]
        # The encoder (numpy, which lets go of the GIL) runs in a thread while this one segments
        # the texts (pure Python): on two cores a quarter off the time to train on 10,000.
        with ThreadPoolExecutor(1) as encoder:
            embedding = encoder.submit(self._embed_if_needed, sample)
            prepared = [self.prepare(t) for t in all_texts]
            X = self._text_matrix(prepared, fit=True).csr()
            E = embedding.result()
        D = self._domain_features(sample, E) if self.domain is not None else None
        self.temperature, self.domain_weight, self.text_temperature = self._calibrate(
            X[rows], E if self.use_embeddings else None, D, y[rows], n_real=len(rows) - len(priors),
            texts=[prepared[i] for i in rows])
        self._text_head = LinearHead.fit(X, y, self.C, self.seed)
        self._embed_head = LinearHead.fit(E, y[rows], self.C, self.seed) if self.use_embeddings else None
        self._domain_head = None
        if D is not None and self.domain_weight > 0:
            self._domain_head = LinearHead.fit(D, y[rows], self.C, self.seed)
        else:
            self.domain = None  # not worth its cost at inference
        return self

    def _margins(self, X: sparse.spmatrix, E: np.ndarray | None, D: np.ndarray | None,
                 heads: tuple[LinearHead, LinearHead | None, LinearHead | None],
                 domain_weight: float) -> np.ndarray:
        text_head, embed_head, domain_head = heads
        scores = text_head.margins(X)
        if embed_head is not None and E is not None:
            scores = scores + self.embed_weight * embed_head.margins(E)
        if domain_head is not None and D is not None and domain_weight > 0:
            scores = scores + domain_weight * domain_head.margins(D)
        return scores

    def _calibrate(self, X: sparse.csr_matrix, E: np.ndarray | None, D: np.ndarray | None, y: np.ndarray,
                   n_real: int, texts: Sequence[str] | None = None) -> tuple[float, float, float]:
        """Temperature (and the domain head's weight, when there is one; and the text head's own
        temperature, for the fast form) from out-of-fold margins of
        a sample of at most `calibration_max` real examples: the weight is the one of
        `domain_weights` whose calibrated out-of-fold predictions have the least negative
        log-likelihood, so the training data alone decides how far the domain model is trusted.
        Texts sharing a distinctive phrase stay in one fold (`phrase_groups`): with near-copies on
        both sides, out-of-fold scores would reward memorising wordings, which a new request
        does not reuse, and trust the words too much against what generalises."""
        from sklearn.model_selection import StratifiedGroupKFold

        rng = np.random.default_rng(self.seed)
        real = np.arange(n_real)
        if n_real > self.calibration_max:
            real = np.sort(rng.choice(real, self.calibration_max, replace=False))
        counts = Counter(y[real].tolist())
        folds = min(self.calibration_folds, max(counts.values()))
        if folds < 2:
            return 1.0, (self.domain_weights[len(self.domain_weights) // 2] if D is not None else 0.0), 1.0
        priors = np.arange(n_real, len(y))
        blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # margins of each head
        truth: list[np.ndarray] = []
        groups = (phrase_groups([texts[int(i)] for i in real], y[real]) if texts is not None
                  else np.arange(len(real)))
        splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # classes rarer than the fold count
            splits = list(splitter.split(real, y[real], groups))
        for train_idx, test_idx in splits:
            train = np.concatenate([real[train_idx], priors])
            test = real[test_idx]
            if len(set(y[train].tolist())) < 2:
                continue
            text_head = LinearHead.fit(X[train], y[train], self.C, self.seed)
            embed_head = LinearHead.fit(E[train], y[train], self.C, self.seed) if E is not None else None
            domain_head = LinearHead.fit(D[train], y[train], self.C, self.seed) if D is not None else None
            fold_classes = sorted(set(y[train].tolist()))
            keep = np.array([label in fold_classes for label in y[test]])
            if not keep.any():
                continue
            test = test[keep]
            text = text_head.margins(X[test])
            emb = embed_head.margins(E[test]) if embed_head is not None and E is not None else 0 * text
            dom = domain_head.margins(D[test]) if domain_head is not None and D is not None else 0 * text
            blocks.append((text, emb, dom))
            truth.append(np.array([fold_classes.index(label) for label in y[test]]))
        if not blocks:
            return 1.0, 0.0, 1.0
        # Folds may see different class sets; calibrate each fold's scores in its own class space.
        fitted = []
        for weight in self.domain_weights if D is not None else (0.0,):
            scores = [text + self.embed_weight * emb + weight * dom for text, emb, dom in blocks]
            temperature = fit_temperature_multi(scores, truth)
            fitted.append((round(nll_multi(scores, truth, temperature), 4), weight, temperature))
        _, weight, temperature = min(fitted)  # a tie goes to the smaller weight
        return temperature, weight, fit_temperature_multi([text for text, _, _ in blocks], truth)

    # ---- prediction ---------------------------------------------------------------------------
    def decision(self, texts: Sequence[str]) -> np.ndarray:
        return self.decision_with(texts, None)

    def decision_with(self, texts: Sequence[str], E: np.ndarray | None) -> np.ndarray:
        """Margins; `E` is the texts' embedding when the caller has it already."""
        assert self._text_head is not None, "model is not trained"
        X = self._text_matrix([self.prepare(t) for t in texts])
        if E is None and (self._embed_head is not None or self._domain_head is not None):
            E = self._embed_if_needed(texts)
        D = self._domain_features(texts, E) if self._domain_head is not None else None
        return self._margins(X, E if self._embed_head is not None else None, D,
                             (self._text_head, self._embed_head, self._domain_head), self.domain_weight)

    def proba_with(self, texts: Sequence[str], E: np.ndarray | None) -> np.ndarray:
        return softmax(self.decision_with(texts, E), self.temperature)

    def predict_proba(self, texts: Sequence[str], fast: bool = False) -> np.ndarray:
        if fast:
            return softmax(self.fast_decision(texts), self.text_temperature or self.temperature)
        return softmax(self.decision(texts), self.temperature)

    def fast_decision(self, texts: Sequence[str]) -> np.ndarray:
        """Margins of the text head alone (no embedding, no domain model)."""
        assert self._text_head is not None, "model is not trained"
        return self._text_head.margins(self._text_matrix([self.prepare(t) for t in texts]))

    def predict(self, texts: Sequence[str], k: int = 3, fast: bool = False,
                among: Collection[str] | None = None) -> list[Prediction]:
        """The top `k` labels of each text (of those `among`, when given) with their probabilities."""
        probs = self.predict_proba(texts, fast)
        ranked = probs
        if among is not None:
            allowed = np.fromiter((c in among for c in self.classes_), dtype=bool, count=len(self.classes_))
            ranked, k = np.where(allowed, probs, -1.0), min(k, int(allowed.sum()))
        order = np.argsort(-ranked, axis=1, kind="stable")[:, :k]
        best = np.take_along_axis(probs, order, axis=1)
        classes = self.classes_
        return [Prediction(tuple(classes[i] for i in row), tuple(p)) for row, p in zip(order.tolist(), best.tolist(),
                                                                                       strict=True)]

    def predict_one(self, text: str, k: int = 3) -> Prediction:
        return self.predict([text], k)[0]


def phrase_groups(texts: Sequence[str], y: np.ndarray, n: int = 8) -> np.ndarray:
    """Group ids joining texts of one class that share a phrase of `n` characters found in no other
    class (the same wording reused: a template, a copied message), so that out-of-fold estimates
    see new wordings as a new request would, not a near-copy of a training text. Phrases common to
    several classes (greetings, boilerplate) join nothing."""
    owners: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        compact = "".join(text.split())
        for gram in {compact[j : j + n] for j in range(len(compact) - n + 1)}:
            owners.setdefault(gram, []).append(i)
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for members in owners.values():
        if len(members) > 1 and len({y[i] for i in members}) == 1:
            root = find(members[0])
            for i in members[1:]:
                parent[find(i)] = root
    roots = [find(i) for i in range(len(texts))]
    first: dict[int, int] = {}
    # named by their first member, so the folds do not depend on the order the phrases were met in
    # (a set's order changes with the process's string hashing)
    return np.array([first.setdefault(root, i) for i, root in enumerate(roots)])


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


def _padded(scores: list[np.ndarray]) -> np.ndarray:
    width = max(s.shape[1] for s in scores)
    return np.vstack([np.pad(s, ((0, 0), (0, width - s.shape[1])), constant_values=-1e9) for s in scores])


def fit_temperature_multi(scores: list[np.ndarray], truth: list[np.ndarray]) -> float:
    """fit_temperature over several blocks whose class spaces may differ."""
    return fit_temperature(_padded(scores), np.concatenate(truth))


def nll_multi(scores: list[np.ndarray], truth: list[np.ndarray], temperature: float) -> float:
    """Mean negative log-likelihood of the true classes over such blocks."""
    y = np.concatenate(truth)
    p = softmax(_padded(scores), temperature)[np.arange(len(y)), y]
    return float(-np.log(np.clip(p, 1e-12, None)).mean())
