"""What groups achieve: how many formed, how fast, each member's time to sign and to answer, the
outcome, and each unit's on-time rate for its group work (sign-for and part clocks).

Members' clocks are SLA clocks counted against their units, so the SLA on-time rates by unit
(/api/v1/stats/sla?by=unit) already include the group work; `unit_outcomes` shows that part alone.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.cases.queries import scoped
from minsheng.directory.actors import Actor
from minsheng.groups import clocks
from minsheng.groups.models import Group, GroupMember
from minsheng.groups.rows import unit_names
from minsheng.sla.models import SlaClock
from minsheng.sla.rates import outcome_of


def summary(seconds: list[float]) -> dict[str, Any]:
    """count, mean, median, 90th percentile (nearest rank) and max of durations in seconds (None when empty)."""
    if not seconds:
        return {"count": 0, "mean": None, "median": None, "p90": None, "max": None}
    ordered = sorted(seconds)
    p90 = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]  # nearest rank
    return {"count": len(ordered), "mean": round(statistics.fmean(ordered), 1),
            "median": round(statistics.median(ordered), 1), "p90": round(p90, 1), "max": round(ordered[-1], 1)}


def _groups(session: Session, actor: Actor | None, since: datetime | None,
            until: datetime | None) -> list[tuple[Group, Case]]:
    stmt = cast("Select[Any]", select(Group, Case).join(Case, Case.id == Group.case_id))
    if actor is not None:
        stmt = scoped(session, actor, stmt)
    if since is not None:
        stmt = stmt.where(Group.formed_at >= since)
    if until is not None:
        stmt = stmt.where(Group.formed_at < until)
    return [(g, c) for g, c in session.execute(stmt.order_by(Group.id)).all()]


def _rate(on_time: int, due: int) -> float | None:
    return round(on_time / due, 4) if due else None


def unit_outcomes(session: Session, now: datetime, *, since: datetime | None = None,
                  until: datetime | None = None, actor: Actor | None = None) -> dict[str, dict[str, int]]:
    """Per unit, the SLA clocks of its group work (sign-for and part, since the group formed):
    {"due", "on_time", "late", "running"}, by the SLA domain's rule (sla.rates.outcome_of); a
    cancelled clock (the unit left in time) does not count."""
    stmt = cast("Select[Any]", select(SlaClock.unit_code, SlaClock.state, SlaClock.stopped_at, SlaClock.deadline)
                .join(Group, Group.case_id == SlaClock.case_id)
                .join(GroupMember, (GroupMember.group_id == Group.id) & (GroupMember.unit_code == SlaClock.unit_code))
                .join(Case, Case.id == Group.case_id)
                .where(SlaClock.stage.in_(list(clocks.STAGE_KEYS)), SlaClock.started_at >= Group.formed_at))
    if actor is not None:
        stmt = scoped(session, actor, stmt)
    if since is not None:
        stmt = stmt.where(Group.formed_at >= since)
    if until is not None:
        stmt = stmt.where(Group.formed_at < until)
    out: dict[str, dict[str, int]] = {}
    for unit, state, stopped_at, deadline in session.execute(stmt):
        row = out.setdefault(unit, {"due": 0, "on_time": 0, "late": 0, "running": 0})
        outcome = outcome_of(state, stopped_at is not None, deadline, now)
        if outcome is not None:
            row["due"] += 1
            row["on_time" if outcome == "on_time" else "late"] += 1
        elif stopped_at is None:
            row["running"] += 1
    return out


def group_measures(session: Session, actor: Actor, *, since: datetime | None, until: datetime | None,
                   now: datetime) -> dict[str, Any]:
    rows = _groups(session, actor, since, until)
    to_form = [(g.formed_at - c.created_at).total_seconds() for g, c in rows]
    at_centre = [(g.formed_at - g.waiting_since).total_seconds() for g, c in rows]
    sign: dict[str, list[float]] = {"lead": [], "co": []}
    answer: dict[str, list[float]] = {"lead": [], "co": []}
    units: dict[str, dict[str, Any]] = {}
    for group, _case in rows:
        for m in group.members:
            if m.signed_at is not None:
                sign[m.role].append((m.signed_at - m.clock_started_at).total_seconds())
            if m.part_at is not None:
                answer[m.role].append((m.part_at - m.clock_started_at).total_seconds())
            u = units.setdefault(m.unit_code, {"memberships": 0, "as_lead": 0, "signed": 0, "answered": 0,
                                               "left": 0})
            u["memberships"] += 1
            u["as_lead"] += m.role == "lead"
            u["signed"] += m.signed_at is not None
            u["answered"] += m.part_at is not None
            u["left"] += m.left_at is not None
    outcomes = unit_outcomes(session, now, since=since, until=until, actor=actor)
    names = unit_names(session, list(units))
    closed = [(g, c) for g, c in rows if g.status == "closed"]
    return {
        "since": since, "until": until, "formed": len(rows),
        "time_to_form": {"from_receipt": summary(to_form), "at_centre": summary(at_centre)},
        "time_to_sign": {role: summary(values) for role, values in sign.items()},
        "time_to_answer": {role: summary(values) for role, values in answer.items()},
        "outcome": {
            "status": dict(Counter(g.status for g, _ in rows)),
            "closed": len(closed),
            "close_time": summary([(c.closed_at - g.formed_at).total_seconds() for g, c in closed if c.closed_at]),
            "ratings": dict(Counter(c.rating for _, c in closed if c.rating)),
            "reopened": sum(1 for _, c in rows if c.reopen_count > 0),
            "lead_as_proposed": sum(1 for g, _ in rows if g.proposal.get("lead") == g.lead_unit),
            "members_as_proposed": sum(1 for g, _ in rows if set(g.proposal.get("members") or []) == {
                m.unit_code for m in g.members if m.role == "co"}),
        },
        "units": [
            {"unit": code, "name": names.get(code, code), **u, **outcomes.get(code, {}),
             "on_time_rate": _rate(outcomes.get(code, {}).get("on_time", 0), outcomes.get(code, {}).get("due", 0))}
            for code, u in sorted(units.items())
        ],
    }
