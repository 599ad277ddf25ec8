"""Duplicate detection primitives, pure: how alike two requests read, and how far apart they are.

Text similarity is the cosine of character-bigram count vectors after normalisation and place
masking is left to the caller (the same problem at the same place reads alike either way); it
needs no model, so the duplicate check works for any city from its first case.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from minsheng.routing.text import normalise

EARTH_RADIUS_M = 6_371_008.8
_PUNCT = set("，。、；：？！,.;:?!“”\"'（）()【】[]《》<> -—…·")


def bigrams(text: str) -> Counter[str]:
    chars = [c for c in normalise(text) if c not in _PUNCT]
    joined = "".join(chars)
    if len(joined) < 2:
        return Counter([joined]) if joined else Counter()
    return Counter(joined[i : i + 2] for i in range(len(joined) - 1))


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) < len(b) else (b, a)
    dot = sum(v * large.get(k, 0) for k, v in small.items())
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def text_similarity(a: str, b: str) -> float:
    """0 (nothing in common) … 1 (same words)."""
    return cosine(bigrams(a), bigrams(b))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Request:
    """What the duplicate rule needs to know about one request."""

    text: str
    category: str | None
    village: str | None = None
    address: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class DuplicateRule:
    radius_m: float = 200.0
    min_similarity: float = 0.3

    def same_place(self, a: Request, b: Request) -> bool:
        located = None not in (a.lat, a.lon, b.lat, b.lon)
        if located and distance_m(a.lat, a.lon, b.lat, b.lon) <= self.radius_m:  # type: ignore[arg-type]
            return True
        if a.village and a.village == b.village:
            return True
        return bool(a.address.strip()) and normalise(a.address) == normalise(b.address)

    def score(self, new: Request, old: Request) -> float | None:
        """Similarity when `old` may be a duplicate of `new` (same category, same place), else None."""
        if not new.category or new.category != old.category or not self.same_place(new, old):
            return None
        similarity = text_similarity(new.text, old.text)
        return similarity if similarity >= self.min_similarity else None
