"""Place of a request: town and village/community (official codes) from its text and address.

`Gazetteer.from_config(cfg).locate(text, address)` scans both for place names (leftmost-longest, so
平湖市新仓镇杉青港村3组 reads as city, town, village), weighs what the address says above what the
text says, settles a name that exists in two towns by the other clues (or reports it as ambiguous),
and flags requests placed outside the city.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from minsheng.directory.config import CityConfig
from minsheng.routing.places import Place, city_surfaces, outside_surfaces, unpack_outside

ADDRESS_WEIGHT = 3.0
TEXT_WEIGHT = 1.0
KIND_WEIGHT = {"name": 1.0, "short": 1.0, "alias": 0.9, "former": 0.8, "stem": 0.6}
# A stem of a prefecture or county (嘉善, 金山) followed by one of these is an estate or a road
# (南湖苑, 金山路), not the place itself.
_NOT_A_PLACE_AFTER = set("苑路街巷弄园庭府湾城小村桥大中新花公广酒饭宾")


@dataclass(frozen=True)
class Match:
    surface: str
    start: int
    source: str  # address | text
    places: tuple[Place, ...]


@dataclass(frozen=True)
class Location:
    town: str | None = None
    village: str | None = None
    ambiguous: bool = False
    candidates: tuple[str, ...] = ()  # town codes still in play when ambiguous
    outside_city: bool = False
    outside_places: tuple[str, ...] = ()
    in_city: bool = False  # the city or one of its places is named
    evidence: tuple[str, ...] = field(default=())  # surfaces that decided it, in reading order

    def as_dict(self) -> dict[str, object]:
        return {
            "town": self.town, "village": self.village, "ambiguous": self.ambiguous,
            "candidates": list(self.candidates), "outside_city": self.outside_city,
            "outside_places": list(self.outside_places), "evidence": list(self.evidence),
        }


class Gazetteer:
    """All place surfaces of one city, with a fast leftmost-longest scanner."""

    def __init__(self, inside: dict[str, list[Place]], outside: dict[str, str]) -> None:
        self.inside = inside
        # outside surfaces keep their places packed (places.outside_surfaces) until a text names one
        self._table: dict[str, tuple[Place, ...] | str] = dict(outside)
        self._table.update({s: tuple(p) for s, p in inside.items()})
        # the lengths of the surfaces starting with each pair of characters (and with each lone
        # character, for one-character surfaces): most positions of a text start no surface, and
        # one look-up of their pair rules them out
        lengths: dict[str, set[int]] = defaultdict(set)
        for surface in self._table:
            lengths[surface[:2]].add(len(surface))
        for head in [h for h in lengths if len(h) == 2 and h[0] in self._table]:
            lengths[head].add(1)  # a one-character surface is tried after the longer ones
        shared: dict[tuple[int, ...], tuple[int, ...]] = {}  # a few hundred distinct among ~23,000 heads
        self._lengths = {head: shared.setdefault(key, key)
                         for head, ls in lengths.items() for key in [tuple(sorted(ls, reverse=True))]}

    @classmethod
    def from_config(cls, cfg: CityConfig, national: bool = True) -> Gazetteer:
        inside = city_surfaces(cfg)
        return cls(inside, outside_surfaces(cfg, inside) if national else {})

    def terms(self) -> list[str]:
        """In-city place surfaces (for a segmentation dictionary)."""
        return sorted(self.inside)

    def scan(self, text: str, source: str = "text") -> list[Match]:
        found: list[Match] = []
        i, n = 0, len(text)
        while i < n:
            for length in self._lengths.get(text[i : i + 2], ()) or self._lengths.get(text[i], ()):
                surface = text[i : i + length]
                places = self._table.get(surface)
                if isinstance(places, str):
                    places = unpack_outside(places)
                if places and not self._estate(places, text, i + length):
                    found.append(Match(surface, i, source, places))
                    i += length
                    break
            else:
                i += 1
        return found

    @staticmethod
    def _estate(places: tuple[Place, ...], text: str, end: int) -> bool:
        return all(p.level == "outside" and p.kind == "stem" for p in places) and (
            end < len(text) and text[end] in _NOT_A_PLACE_AFTER
        )

    def mask(self, text: str, token: str = "〇") -> str:
        """The text with every place name replaced by `token` (for models that should not learn places)."""
        parts, last = [], 0
        for m in self.scan(text):
            parts.append(text[last : m.start])
            parts.append(token)
            last = m.start + len(m.surface)
        parts.append(text[last:])
        return "".join(parts)

    def locate(self, text: str, address: str = "") -> Location:
        matches = self.scan(address or "", "address") + self.scan(text or "", "text")
        return resolve(matches)


def _weight(match: Match, place: Place) -> float:
    return (ADDRESS_WEIGHT if match.source == "address" else TEXT_WEIGHT) * KIND_WEIGHT.get(place.kind, 0.5)


def resolve(matches: list[Match]) -> Location:
    """Decide town and village from scanned matches (address matches first, then text)."""
    inside = [m for m in matches if any(p.level != "outside" for p in m.places)]
    outside = [m for m in matches if all(p.level == "outside" for p in m.places)]
    in_city = bool(inside)
    local = [m for m in inside if any(p.town for p in m.places)]
    score: dict[str, float] = defaultdict(float)
    first_seen: dict[str, int] = {}
    ambiguous: list[Match] = []
    for order, m in enumerate(local):
        towns = {p.town for p in m.places if p.town}
        if len(towns) == 1:
            town = towns.pop()
            score[town] += max(_weight(m, p) for p in m.places)
            first_seen.setdefault(town, order)
        else:
            ambiguous.append(m)
    candidates: set[str] = set()
    for m in ambiguous:
        towns = {p.town for p in m.places if p.town}
        supported = towns & set(score)
        if supported:
            for t in supported:
                score[t] += 0.5 * max(_weight(m, p) for p in m.places if p.town == t)
        else:
            candidates = towns if not candidates else (candidates & towns or candidates | towns)
    outside_names = tuple(dict.fromkeys(m.places[0].name for m in outside))
    outside_flag = _outside(matches, outside)
    if not score:
        if len(candidates) == 1:  # two ambiguous names that share exactly one town
            town = candidates.pop()
            return _finish(town, local, outside_names, outside_flag, in_city)
        return Location(
            ambiguous=bool(candidates), candidates=tuple(sorted(candidates)), outside_city=outside_flag,
            outside_places=outside_names, in_city=in_city, evidence=tuple(m.surface for m in local),
        )
    town = max(score, key=lambda t: (score[t], -first_seen[t]))
    return _finish(town, local, outside_names, False, in_city)


def _finish(town: str, local: list[Match], outside_names: tuple[str, ...], outside: bool,
            in_city: bool) -> Location:
    village = None
    evidence = []
    for m in local:
        hits = [p for p in m.places if p.town == town]
        if not hits:
            continue
        evidence.append(m.surface)
        if village is None:
            villages = {p.code for p in hits if p.level == "village"}
            if len(villages) == 1:
                village = villages.pop()
    return Location(town=town, village=village, outside_city=outside, outside_places=outside_names,
                    in_city=in_city, evidence=tuple(evidence))


def _outside(matches: list[Match], outside: list[Match]) -> bool:
    """Outside the city: the address names only places elsewhere, or nothing in the city is named
    and the text names a county or a town elsewhere (a province or city alone — 在上海住院 — is
    not where the request is)."""
    if any(p.level != "outside" for m in matches for p in m.places):
        return False
    address_out = [m for m in outside if m.source == "address"]
    if address_out:
        return True
    return any(p.code and len(p.code) >= 6 for m in outside for p in m.places)
