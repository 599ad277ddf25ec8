"""Possible duplicates of a new request: open cases of the same category, at the same place, recent,
reading alike (see similarity.DuplicateRule), best first.

"The same place" is the same village or community, the same specific address (an address that
says more than the town), or within `radius_m` of the request's coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.routing.similarity import DuplicateRule, Request

CANDIDATES = 200  # most recent matching cases read per look-up
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class DuplicateQuery:
    text: str
    category: str
    village: str | None = None
    address: str = ""  # only when specific (more than a town name); see service.specific_address
    lat: float | None = None
    lng: float | None = None
    before_id: int | None = None  # a case already written: only cases received before it


def _box(lat: float, radius_m: float) -> tuple[float, float]:
    """Half the sides, in degrees, of the box around a point at latitude `lat`."""
    return radius_m / METRES_PER_DEGREE, radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))


def _near(lat: float, lng: float, radius_m: float) -> ColumnElement[bool]:
    dlat, dlng = _box(lat, radius_m)
    return and_(Case.lat.between(lat - dlat, lat + dlat), Case.lng.between(lng - dlng, lng + dlng))


def _places(q: DuplicateQuery, radius_m: float) -> list[ColumnElement[bool]]:
    places: list[ColumnElement[bool]] = []
    if q.village:
        places.append(Case.village_code == q.village)
    if q.address:
        places.append(Case.address == q.address)
    if q.lat is not None and q.lng is not None:
        places.append(_near(q.lat, q.lng, radius_m))
    return places


_COLUMNS = (Case.id, Case.number, Case.content, Case.address, Case.village_code, Case.lat, Case.lng,
            Case.category_code, Case.created_at)


def _candidates(session: Session, category: str, since: datetime, places: list[ColumnElement[bool]],
                before_id: int | None, limit: int | None = None) -> list[Any]:
    """Open, unmerged cases of `category` received since `since` at any of `places` (and before
    `before_id`), most recent first."""
    earlier = [Case.id < before_id] if before_id is not None else []
    return list(session.execute(
        select(*_COLUMNS)
        .where(Case.category_code == category, Case.created_at >= since, Case.status != "closed",
               Case.merged.is_(False), or_(*places), *earlier)
        .order_by(Case.id.desc()).limit(limit)).all())


def find_duplicates(session: Session, q: DuplicateQuery, *, now: datetime, window_hours: float,
                    radius_m: float, limit: int = 3) -> list[dict[str, Any]]:
    places = _places(q, radius_m)
    if not q.category or not places:
        return []
    rows = _candidates(session, q.category, now - timedelta(hours=window_hours), places, q.before_id, CANDIDATES)
    return _best(q, rows, radius_m, limit)


def find_duplicates_many(session: Session, queries: list[tuple[DuplicateQuery, datetime]], *,
                         window_hours: float, radius_m: float, limit: int = 3) -> list[list[dict[str, Any]]]:
    """`find_duplicates` of each (query, now), with one query per category among them (the background
    router's batch): each category's query reads the union of its cases' places, then each case
    keeps what its own look-up would have read."""
    window = timedelta(hours=window_hours)
    places = [_places(q, radius_m) for q, _ in queries]
    by_category: dict[str, list[int]] = {}
    for i, (q, _) in enumerate(queries):
        if q.category and places[i]:
            by_category.setdefault(q.category, []).append(i)
    results: list[list[dict[str, Any]]] = [[] for _ in queries]
    for category, wanted in by_category.items():
        mine = [queries[i] for i in wanted]
        if len(mine) == 1:
            q, now = mine[0]
            results[wanted[0]] = _best(q, _candidates(session, category, now - window, places[wanted[0]],
                                                      q.before_id, CANDIDATES), radius_m, limit)
            continue
        befores = [q.before_id for q, _ in mine if q.before_id is not None]
        rows = _candidates(session, category, min(now for _, now in mine) - window,
                           [place for i in wanted for place in places[i]],
                           max(befores) if len(befores) == len(mine) else None)
        for i, (q, now) in zip(wanted, mine, strict=True):
            since = now - window
            own = [r for r in rows if r.created_at >= since and (q.before_id is None or r.id < q.before_id)
                   and _at_place(q, r, radius_m)]
            results[i] = _best(q, own[:CANDIDATES], radius_m, limit)
    return results


def _at_place(q: DuplicateQuery, r: Any, radius_m: float) -> bool:
    """`_places(q)` for a row already read (the same comparisons, in Python)."""
    if q.village and r.village_code == q.village:
        return True
    if q.address and r.address == q.address:
        return True
    if q.lat is None or q.lng is None or r.lat is None or r.lng is None:
        return False
    dlat, dlng = _box(q.lat, radius_m)
    return q.lat - dlat <= r.lat <= q.lat + dlat and q.lng - dlng <= r.lng <= q.lng + dlng


def _best(q: DuplicateQuery, rows: Any, radius_m: float, limit: int) -> list[dict[str, Any]]:
    rule = DuplicateRule(radius_m=radius_m)
    new = Request(q.text, q.category, q.village, q.address, q.lat, q.lng)
    scored = []
    for r in rows:
        old = Request(r.content, r.category_code, r.village_code, r.address if q.address else "", r.lat, r.lng)
        score = rule.score(new, old)
        if score is not None:
            scored.append((score, r))
    scored.sort(key=lambda pair: (-pair[0], -pair[1].id))
    return [{"id": r.id, "number": r.number, "content": r.content[:120], "score": round(score, 3),
             "created_at": r.created_at.isoformat()} for score, r in scored[:limit]]
