"""Place-name surfaces: which strings name a town, a village or a place outside the city.

Pure data building, no matching here (see locate.py). In-city surfaces come from the city's
divisions configuration: official names, short names, aliases, former names, and the name's stem
without its administrative suffix (…街道 → …, …村民委员会 → …村 → … when the stem is at least three
characters, so 杉青港 finds 杉青港村 but 兴旺 alone finds nothing). Outside surfaces come from the
packaged national division list (data/cn-divisions.tsv.gz: provinces, prefecture cities, counties,
towns; public china-division data set), minus the city itself, its ancestors and any name that is
also an in-city surface.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

from minsheng.directory.config import CityConfig

_CJK = re.compile(r"[\u4e00-\u9fff]")
_SPOKEN = (("村村民委员会", "村"), ("村民委员会", "村"), ("社区居民委员会", "社区"), ("社区居委会", "社区"),
           ("居民委员会", "社区"), ("居委会", "社区"))
_TOWN_SUFFIXES = ("街道办事处", "街道", "镇", "乡")
_COUNTY_SUFFIXES = ("自治县", "县", "市", "区")
_CITY_SUFFIXES = ("市",)
_PROVINCE_SUFFIXES = ("省", "市", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区")
_SUFFIXES = {"province": _PROVINCE_SUFFIXES, "city": _CITY_SUFFIXES, "county": _COUNTY_SUFFIXES,
             "town": _TOWN_SUFFIXES}


@dataclass(frozen=True, slots=True)  # tens of thousands from the national list: no __dict__ each
class Place:
    """What a surface string names. level: city | town | village | outside."""

    level: str
    code: str
    town: str | None  # in-city town code (for town and village places)
    name: str  # official name
    kind: str  # name | short | alias | former | stem


def strip_suffix(name: str, suffixes: tuple[str, ...], min_stem: int) -> str | None:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= min_stem:
            return name[: -len(suffix)]
    return None


def spoken_village_name(name: str) -> str:
    """Official committee name → how people say it: 芦湾村村民委员会 → 芦湾村,
    龙湫社区居民委员会 → 龙湫社区."""
    for suffix, spoken in _SPOKEN:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + spoken
    return name


def _cjk(text: str | None) -> bool:
    return bool(text) and bool(_CJK.search(text or ""))


def city_surfaces(cfg: CityConfig) -> dict[str, list[Place]]:
    """Surface → places inside the city (a surface may name places in several towns)."""
    table: dict[str, list[Place]] = {}

    def add(surface: str | None, place: Place) -> None:
        if not surface or not _cjk(surface):
            return
        bucket = table.setdefault(surface, [])
        if place not in bucket:
            bucket.append(place)

    city = cfg.divisions.city
    city_place = Place("city", city.code, None, city.name, "name")
    for surface in [city.name, city.short, *city.aliases, *city.former_names]:
        add(surface, city_place)
    add(strip_suffix(city.name, _COUNTY_SUFFIXES, 2), city_place)

    for town in cfg.divisions.towns:
        place = Place("town", town.code, town.code, town.name, "name")
        add(town.name, place)
        add(town.short, Place("town", town.code, town.code, town.name, "short"))
        for alias in town.aliases:
            add(alias, Place("town", town.code, town.code, town.name, "alias"))
        stem = strip_suffix(town.name, _TOWN_SUFFIXES, 2)
        add(stem, Place("town", town.code, town.code, town.name, "stem"))
        for former in town.former_names:
            add(former, Place("town", town.code, town.code, town.name, "former"))
        for v in town.villages:
            add(v.name, Place("village", v.code, town.code, v.name, "name"))
            add(v.short, Place("village", v.code, town.code, v.name, "short"))
            for alias in v.aliases:
                add(alias, Place("village", v.code, town.code, v.name, "alias"))
            for former in v.former_names:
                add(former, Place("village", v.code, town.code, v.name, "former"))
            short = v.short or spoken_village_name(v.name)
            add(short, Place("village", v.code, town.code, v.name, "short"))
            stem = strip_suffix(short, ("社区", "村"), 3)
            add(stem, Place("village", v.code, town.code, v.name, "stem"))
    return table


def ancestor_names(cfg: CityConfig) -> set[str]:
    """Names of the city's parents (浙江省嘉兴市 → 浙江省, 浙江, 嘉兴市, 嘉兴): neither in nor out."""
    parent = cfg.divisions.city.parent or ""
    names: set[str] = set()
    for part in re.findall(r".+?(?:省|自治区|特别行政区|市|地区|自治州|盟)", parent):
        names.add(part)
        for suffixes in (_PROVINCE_SUFFIXES, _CITY_SUFFIXES):
            stem = strip_suffix(part, suffixes, 2)
            if stem:
                names.add(stem)
    return names


def _national_rows() -> Iterator[tuple[str, str, str]]:
    """The national list, read a line at a time for each gazetteer built (rarely: a city's
    change); held whole, its text and rows would stay in every process that routes."""
    with resources.files("minsheng.routing").joinpath("data/cn-divisions.tsv.gz").open("rb") as raw, \
            gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            level, code, name, _parent = line.rstrip("\n").split("\t")
            yield level, code, name


def outside_surfaces(cfg: CityConfig, inside: dict[str, list[Place]]) -> dict[str, str]:
    """Surface → places outside the city, from the national list: full names, and the stems of
    provinces, prefecture cities and the city's sibling counties (嘉善 for 嘉善县). Stems of far-away
    counties are left out: too many are ordinary words (公安, 天台, 路桥).

    Each surface's places are packed in one string (`unpack_outside` gives them back): some
    42,000 places held as objects cost every process that routes about twice the memory, for
    the few a request names."""
    own = cfg.divisions.city.code
    skip = set(inside) | ancestor_names(cfg)
    table: dict[str, str] = {}
    for level, code, name in _national_rows():
        if code.startswith(own) or own.startswith(code):
            continue
        suffixes = _SUFFIXES[level]
        stem = strip_suffix(name, suffixes, 2)
        if stem is None and name.endswith(suffixes):
            continue  # 城区, 郊区: too short to tell from ordinary words
        surfaces = [(name, "name")]
        sibling = level == "county" and code[:4] == own[:4]
        if stem and (level in ("province", "city") or sibling):
            surfaces.append((stem, "stem"))
        for surface, kind in surfaces:
            if surface in skip or len(surface) < 2:
                continue
            entry = f"{code}\t{name}\t{kind}"
            table[surface] = f"{table[surface]}\n{entry}" if surface in table else entry
    return table


def unpack_outside(packed: str) -> tuple[Place, ...]:
    """The places of an `outside_surfaces` entry."""
    return tuple(Place("outside", code, None, name, kind)
                 for code, name, kind in (line.split("\t") for line in packed.split("\n")))
