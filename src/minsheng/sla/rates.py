"""On-time rates per stage, by unit or town, per day, week or month.

A clock counts once its outcome is known: met (stopped by its deadline) is on time; missed
(stopped after it) and still running past its deadline are misses; cancelled clocks and clocks
still within their time do not count. Each clock belongs to the local day its clock started, and
to the unit it counted against (the unit the case was assigned to).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.directory.actors import Actor
from minsheng.directory.service import case_scope
from minsheng.errors import InvalidField
from minsheng.sla.models import SlaClock
from minsheng.sla.policy import STAGE_LABELS, Stage

Period = Literal["day", "week", "month"]
GroupBy = Literal["none", "unit", "town"]


@dataclass(frozen=True)
class RateRow:
    period: str  # 2026-11-25 | 2026-W48 | 2026-11 | "all"
    stage: str
    stage_label: str
    unit: str | None
    town: str | None
    total: int
    on_time: int
    missed: int

    @property
    def rate(self) -> float | None:
        return round(self.on_time / self.total, 4) if self.total else None


def period_key(day: date, period: Period) -> str:
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def outcome_of(state: str, stopped: bool, deadline: datetime, now: datetime) -> str | None:
    """'on_time', 'missed' or None (not decided / cancelled) — the rule, for one clock row."""
    if stopped:
        return {"met": "on_time", "missed": "missed"}.get(state)
    if state == "overdue" or (state != "paused" and deadline < now):
        return "missed"
    return None


def sla_rates(session: Session, actor: Actor | None, *, now: datetime, period: Period = "day",
              by: GroupBy = "none", start: date | None = None, end: date | None = None,
              track: str | None = None, stage: str | None = None) -> tuple[list[RateRow], list[RateRow]]:
    """(rows per period, totals over the whole range) — each per stage and the chosen grouping."""
    if period not in ("day", "week", "month"):
        raise InvalidField("period", "period 只能是 day、week 或 month")
    if by not in ("none", "unit", "town"):
        raise InvalidField("by", "by 只能是 none、unit 或 town")
    if start and end and start > end:
        raise InvalidField("from", "起始日期晚于结束日期")
    outcome = case(
        (and_(SlaClock.stopped_at.is_not(None), SlaClock.state == "met"), "on_time"),
        (and_(SlaClock.stopped_at.is_not(None), SlaClock.state == "missed"), "missed"),
        (and_(SlaClock.stopped_at.is_(None),
              or_(SlaClock.state == "overdue", and_(SlaClock.state != "paused", SlaClock.deadline < now))),
         "missed"),
        else_="none",
    ).label("outcome")
    group_col = {"unit": SlaClock.unit_code, "town": SlaClock.town_code}.get(by)
    cols = [SlaClock.local_day, SlaClock.stage, outcome]
    if group_col is not None:
        cols.append(group_col.label("grp"))
    stmt = select(*cols, func.count().label("n")).select_from(SlaClock)
    scope = case_scope(session, actor) if actor is not None else None
    if scope is not None:
        stmt = stmt.join(Case, Case.id == SlaClock.case_id).where(scope)
    if start:
        stmt = stmt.where(SlaClock.local_day >= start)
    if end:
        stmt = stmt.where(SlaClock.local_day <= end)
    if track:
        stmt = stmt.where(SlaClock.track == track)
    if stage:
        stmt = stmt.where(SlaClock.stage == stage)
    stmt = stmt.group_by(*cols)
    counts: dict[tuple[str, str, str | None], dict[str, int]] = defaultdict(lambda: {"on_time": 0, "missed": 0})
    totals: dict[tuple[str, str, str | None], dict[str, int]] = defaultdict(lambda: {"on_time": 0, "missed": 0})
    for row in session.execute(stmt):
        if row.outcome == "none":
            continue
        grp = row.grp if group_col is not None else None
        day = row.local_day if isinstance(row.local_day, date) else date.fromisoformat(str(row.local_day))
        counts[(period_key(day, period), row.stage, grp)][row.outcome] += row.n
        totals[("all", row.stage, grp)][row.outcome] += row.n
    return _rows(counts, by), _rows(totals, by)


def _rows(counts: dict[tuple[str, str, str | None], dict[str, int]], by: GroupBy) -> list[RateRow]:
    order = {s.value: i for i, s in enumerate(Stage)}
    out = []
    for (key, stage, grp), n in sorted(counts.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 9),
                                                                       kv[0][2] or "")):
        out.append(RateRow(key, stage, STAGE_LABELS.get(Stage(stage), stage),
                           grp if by == "unit" else None, grp if by == "town" else None,
                           n["on_time"] + n["missed"], n["on_time"], n["missed"]))
    return out
