"""The leader's dashboard: volumes by channel, category and town (today, this month), daily trend,
on-time rates of the three clocks, satisfaction, and hot spots.

Every figure is one indexed aggregate query over the case table; the scope is the whole city or
one town. On-time rates are computed from the stage timestamps for tracks counted on the 24x7
calendar (sign, dispatch and feedback limits from the loaded SLA document, all counted from the
assignment): this is the 民声一键办 promise. Suspended time is not subtracted here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.cases.workflow import OPEN_STATUSES
from minsheng.db import local_date, seconds_between
from minsheng.directory.config import parse_duration
from minsheng.directory.models import CityConfigRecord
from minsheng.stats.periods import last_days, this_month, today

OPEN = [s.value for s in OPEN_STATUSES]
STAGES = (("sign", "signed_at"), ("dispatch", "dispatched_at"), ("feedback", "replied_at"))


@dataclass
class Volumes:
    total: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_town: dict[str, int] = field(default_factory=dict)


@dataclass
class Dashboard:
    today: Volumes
    month: Volumes
    trend: list[tuple[date, int, int]]  # day, received, closed
    on_time: dict[str, tuple[int, int]]  # stage → (on time, finished)
    satisfaction: dict[str, int]
    rising: list[dict[str, Any]]
    repeated: list[dict[str, Any]]
    open_cases: int
    overdue_cases: int


def _where(town: str | None) -> list[ColumnElement[bool]]:
    return [Case.town_code == town] if town else []


def volumes(session: Session, start: datetime, end: datetime, town: str | None) -> Volumes:
    rows = session.execute(
        select(Case.channel, Case.category_code, Case.town_code, func.count())
        .where(Case.created_at >= start, Case.created_at < end, *_where(town))
        .group_by(Case.channel, Case.category_code, Case.town_code))
    v = Volumes()
    for channel, category, town_code, n in rows:
        v.total += n
        v.by_channel[channel] = v.by_channel.get(channel, 0) + n
        v.by_category[category or ""] = v.by_category.get(category or "", 0) + n
        v.by_town[town_code or ""] = v.by_town.get(town_code or "", 0) + n
    return v


def trend(session: Session, now: datetime, days: int, town: str | None) -> list[tuple[date, int, int]]:
    start, end, dates = last_days(now, days)
    received: dict[str, int] = {}
    closed: dict[str, int] = {}
    for column, out in ((Case.created_at, received), (Case.closed_at, closed)):
        day = local_date(session, column)
        for d, n in session.execute(select(day, func.count()).where(column >= start, column < end, *_where(town))
                                    .group_by(day)):
            out[str(d)] = n
    return [(d, received.get(str(d), 0), closed.get(str(d), 0)) for d in dates]


def continuous_limits(session: Session) -> dict[str, dict[str, int]]:
    """track → stage → limit in seconds, for tracks counted on a 24x7 calendar."""
    record = session.get(CityConfigRecord, "sla")
    if record is None:
        return {}
    doc = record.document
    continuous = {name for name, cal in (doc.get("calendars") or {}).items() if cal.get("kind") == "continuous"}
    out: dict[str, dict[str, int]] = {}
    for name, track in (doc.get("tracks") or {}).items():
        if track.get("calendar") in continuous:
            out[name] = {stage: _seconds(track[stage]) for stage, _ in STAGES if track.get(stage)}
    return out


def _seconds(value: Any) -> int:
    return parse_duration(value) if isinstance(value, str) else int(value)


def on_time(session: Session, start: datetime, end: datetime, town: str | None) -> dict[str, tuple[int, int]]:
    """stage → (finished within its limit, finished), for cases assigned in [start, end)."""
    limits = continuous_limits(session)
    result: dict[str, tuple[int, int]] = {}
    for stage, stamp in STAGES:
        tracks = {t: lim[stage] for t, lim in limits.items() if stage in lim}
        if not tracks:
            result[stage] = (0, 0)
            continue
        done = getattr(Case, stamp)
        limit = case(*((Case.track == t, s) for t, s in tracks.items()), else_=0)
        met = func.sum(case((seconds_between(session, Case.assigned_at, done) <= limit, 1), else_=0))
        row = session.execute(select(met, func.count()).where(
            Case.assigned_at >= start, Case.assigned_at < end, Case.track.in_(list(tracks)), done.is_not(None),
            *_where(town))).one()
        result[stage] = (int(row[0] or 0), int(row[1] or 0))
    return result


def satisfaction(session: Session, start: datetime, end: datetime, town: str | None) -> dict[str, int]:
    rows = session.execute(select(Case.rating, func.count()).where(
        Case.rated_at >= start, Case.rated_at < end, Case.rating.is_not(None), *_where(town)).group_by(Case.rating))
    return {str(rating): int(n) for rating, n in rows}


def rising_categories(session: Session, now: datetime, town: str | None, limit: int = 8) -> list[dict[str, Any]]:
    """Categories with the largest growth: the last 7 days against the 7 days before."""
    start, _end, _ = last_days(now, 14)
    middle, end, _ = last_days(now, 7)
    recent = func.sum(case((Case.created_at >= middle, 1), else_=0))
    before = func.sum(case((Case.created_at < middle, 1), else_=0))
    rows = session.execute(select(Case.category_code, recent, before).where(
        Case.created_at >= start, Case.created_at < end, Case.category_code.is_not(None), *_where(town))
        .group_by(Case.category_code))
    items = [{"category": c, "recent": int(r or 0), "before": int(b or 0)} for c, r, b in rows]
    items = [i for i in items if i["recent"] >= 3 and i["recent"] > i["before"]]
    for i in items:
        i["growth"] = (i["recent"] - i["before"]) / max(i["before"], 1)
    return sorted(items, key=lambda i: (-(i["recent"] - i["before"]), i["category"]))[:limit]


def repeated_villages(session: Session, now: datetime, town: str | None, limit: int = 10,
                      at_least: int = 3) -> list[dict[str, Any]]:
    """Villages with the same kind of complaint at least `at_least` times in the last 30 days."""
    start, end, _ = last_days(now, 30)
    n = func.count()
    rows = session.execute(select(Case.village_code, Case.category_code, n).where(
        Case.created_at >= start, Case.created_at < end, Case.village_code.is_not(None),
        Case.category_code.is_not(None), *_where(town))
        .group_by(Case.village_code, Case.category_code).having(n >= at_least).order_by(n.desc()).limit(limit))
    return [{"village": v, "category": c, "count": int(k)} for v, c, k in rows]


def open_and_overdue(session: Session, town: str | None) -> tuple[int, int]:
    row = session.execute(select(func.count(), func.sum(case((Case.overdue.is_(True), 1), else_=0))).where(
        Case.status.in_(OPEN), *_where(town))).one()
    return int(row[0] or 0), int(row[1] or 0)


def dashboard(session: Session, now: datetime, town: str | None = None, trend_days: int = 30) -> Dashboard:
    month = this_month(now)
    opened, overdue = open_and_overdue(session, town)
    return Dashboard(
        today=volumes(session, *today(now), town), month=volumes(session, *month, town),
        trend=trend(session, now, trend_days, town), on_time=on_time(session, *month, town),
        satisfaction=satisfaction(session, *month, town), rising=rising_categories(session, now, town),
        repeated=repeated_villages(session, now, town), open_cases=opened, overdue_cases=overdue,
    )


