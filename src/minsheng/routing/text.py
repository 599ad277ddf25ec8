"""Text preparation shared by the routing models: normalisation, phrases, word segmentation.

Segmentation uses jieba's dictionary and algorithm (through rjieba, the Rust port: the same words,
about 17 times faster, without holding the interpreter lock) with a user lexicon built from the
city's own words (place names, category names and descriptions, department duties), so 窨井盖,
占道经营 or 杉青港村 come out as one word.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

_FULL_WIDTH = str.maketrans({chr(0xFF01 + i): chr(0x21 + i) for i in range(94)} | {"\u3000": " "})
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_SPACE = re.compile(r"\s+")
_PHRASE_SPLIT = re.compile(r"[、，,；;：:（）()。！？!?\s/]+")
_SENTENCE_SPLIT = re.compile(r"(?<=[。！？!?；;\n])")


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, numbers to 0, runs of spaces to one."""
    text = (text or "").translate(_FULL_WIDTH).lower()
    text = _DIGITS.sub("0", text)
    return _SPACE.sub(" ", text).strip()


def model_input(text: str, address: str = "") -> str:
    """What the category model reads: the text, and the address when it adds words of its own."""
    address = (address or "").strip()
    return f"{text} {address}" if address and address not in (text or "") else (text or "")


def phrases(text: str, min_len: int = 2) -> list[str]:
    """Split an enumeration (…、…，…) into its phrases."""
    return [p for p in _PHRASE_SPLIT.split(text or "") if len(p) >= min_len]


def sentences(text: str) -> list[str]:
    return [s for s in (part.strip() for part in _SENTENCE_SPLIT.split(text or "")) if s]


LEXICON_FREQ = 2000  # the user lexicon's word frequency (jieba's add_word)
# Where rjieba and jieba differ: a run of ASCII letters, digits and signs that is no dictionary word
# (2-301, e-mail, qq.com) is one token in rjieba; jieba splits it into alphanumeric runs (a decimal
# and a % stay with their number) and what lies between. Its dictionary's only such words:
_JIEBA_ASCII_WORDS = frozenset({"AT&T", "c#", "C#", "c++", "C++"})
_ALPHANUMERIC_RUN = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba.finalseg's re_skip


def _as_jieba_splits(token: str) -> list[str]:
    if len(token) > 1 and token.isascii() and token not in _JIEBA_ASCII_WORDS \
            and not _ALPHANUMERIC_RUN.fullmatch(token):
        return [piece for piece in _ALPHANUMERIC_RUN.split(token) if piece]
    return [token]


_tokenizers: dict[tuple[str, ...], Any] = {}  # by lexicon, the most recently built last
_TOKENIZERS_KEPT = 4
_tokenizers_lock = threading.Lock()
_import_time_tokenizer_taken = False


def tokenizer_for(lexicon: tuple[str, ...]) -> Any:
    """The process's rjieba tokenizer with this lexicon added. Each holds a copy of jieba's
    dictionary (24 MB), so segmenters of one lexicon (a model reloaded, the group proposer's
    lexicon-less one) share one, and the first built takes the instance rjieba builds when it is
    imported, for its module-level `cut` & co. that nothing here calls (they would see this
    lexicon's words) and that otherwise holds a dictionary nobody reads."""
    global _import_time_tokenizer_taken
    with _tokenizers_lock:
        tokenizer = _tokenizers.get(lexicon)
        if tokenizer is None:
            import rjieba

            spare = getattr(rjieba, "_DEFAULT_JIEBA", None)
            if isinstance(spare, rjieba.Jieba) and not _import_time_tokenizer_taken:
                tokenizer, _import_time_tokenizer_taken = spare, True
            else:
                tokenizer = rjieba.Jieba()
            for word in lexicon:
                tokenizer.add_word(word, LEXICON_FREQ, None)
            if len(_tokenizers) >= _TOKENIZERS_KEPT:  # segmenters still using it keep their own reference
                del _tokenizers[next(iter(_tokenizers))]
            _tokenizers[lexicon] = tokenizer
        return tokenizer


class Segmenter:
    """jieba word segmentation with a user lexicon; picklable (the tokenizer is rebuilt on load)."""

    def __init__(self, lexicon: Iterable[str] = ()) -> None:
        self.lexicon = sorted({w for w in lexicon if 2 <= len(w) <= 12})
        self._tokenizer: Any = None

    def __getstate__(self) -> dict[str, object]:
        return {"lexicon": self.lexicon}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(state["lexicon"])  # type: ignore[misc]

    def _ready(self) -> Any:
        if self._tokenizer is None:
            self._tokenizer = tokenizer_for(tuple(self.lexicon))
        return self._tokenizer

    def tokens(self, text: str) -> list[str]:
        """jieba's tokens (`jieba.lcut`), spaces included."""
        return [piece for token in self._ready().cut(text, True) for piece in _as_jieba_splits(token)]

    def words(self, text: str) -> list[str]:
        return [w for w in self.tokens(text) if w.strip()]

    def joined(self, text: str) -> str:
        """Words separated by single spaces (what the word vectoriser reads)."""
        return " ".join(self.words(text))
