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


def _near(lat: float, lng: float, radius_m: float) -> ColumnElement[bool]:
    dlat = radius_m / METRES_PER_DEGREE
    dlng = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return and_(Case.lat.between(lat - dlat, lat + dlat), Case.lng.between(lng - dlng, lng + dlng))


def find_duplicates(session: Session, q: DuplicateQuery, *, now: datetime, window_hours: float,
                    radius_m: float, limit: int = 3) -> list[dict[str, Any]]:
    places: list[ColumnElement[bool]] = []
    if q.village:
        places.append(Case.village_code == q.village)
    if q.address:
        places.append(Case.address == q.address)
    located = q.lat is not None and q.lng is not None
    if located:
        places.append(_near(q.lat, q.lng, radius_m))  # type: ignore[arg-type]
    if not q.category or not places:
        return []
    earlier = [Case.id < q.before_id] if q.before_id is not None else []
    rows = session.execute(
        select(Case.id, Case.number, Case.content, Case.address, Case.village_code, Case.lat, Case.lng,
               Case.category_code, Case.created_at)
        .where(Case.category_code == q.category, Case.created_at >= now - timedelta(hours=window_hours),
               Case.status != "closed", Case.merged.is_(False), or_(*places), *earlier)
        .order_by(Case.id.desc()).limit(CANDIDATES)).all()
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
