"""Rank duty teams for a case: available teams first, then by distance (pure arithmetic + one query).

Distance is the great-circle (haversine) distance from the case's coordinates to each team's base.
A case without coordinates is placed at the mean of its town's team bases (the sub-centre's
area); without a town either, teams are ranked by availability and same-town only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.directory import service as directory
from minsheng.directory.actors import Actor
from minsheng.teams.board import on_shift_counts

EARTH_RADIUS_KM = 6371.0088
# Lower is better. An off-duty team cannot be dispatched at all.
STATUS_ORDER = {"on_duty": 0, "on_site": 1, "en_route": 2, "off_duty": 9}


def haversine_km(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    town: str
    status: str
    base_lng: float
    base_lat: float
    on_shift: int = 0


@dataclass(frozen=True)
class Ranked:
    team: Candidate
    distance_km: float | None
    available: bool  # may be dispatched now (on duty and not busy with another case)
    dispatchable: bool  # not off duty


def case_point(case_lng: float | None, case_lat: float | None, town: str | None,
               teams: Sequence[Candidate]) -> tuple[float, float] | None:
    if case_lng is not None and case_lat is not None:
        return case_lng, case_lat
    bases = [(t.base_lng, t.base_lat) for t in teams if town is not None and t.town == town]
    if not bases:
        return None
    return sum(p[0] for p in bases) / len(bases), sum(p[1] for p in bases) / len(bases)


def rank(teams: Sequence[Candidate], point: tuple[float, float] | None, town: str | None) -> list[Ranked]:
    """Available first, then nearer first; without a point, the case's own town first."""
    out = []
    for t in teams:
        distance = haversine_km(point[0], point[1], t.base_lng, t.base_lat) if point else None
        out.append(Ranked(t, distance, t.status == "on_duty", t.status != "off_duty"))
    return sorted(out, key=lambda r: (
        STATUS_ORDER.get(r.team.status, 5),
        r.distance_km if r.distance_km is not None else (0.0 if r.team.town == town else 1.0),
        r.team.code,
    ))


def candidate_teams(session: Session, actor: Actor, town: str | None) -> list[Candidate]:
    """The teams this actor commands (its unit's subtree); for a unit without teams, the case's town."""
    mine = directory.commanded_teams(session, actor, town)
    shifts = on_shift_counts(session, [t.code for t in mine])
    return [Candidate(t.code, t.name, t.town_code, t.status, t.base_lng, t.base_lat, shifts.get(t.code, 0))
            for t in mine]


def nearest_for_case(session: Session, actor: Actor, case: Case) -> list[Ranked]:
    teams = candidate_teams(session, actor, case.town_code)
    return rank(teams, case_point(case.lng, case.lat, case.town_code, teams), case.town_code)
