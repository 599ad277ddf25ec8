"""Running clocks on each open case in the API, for a console's live countdown.

Each clock: stage, due time, remaining seconds of counted time (negative once overdue), state
(ok / warning / overdue / paused) and whether it is ticking right now (a working-hours clock
stands still at night). Computed at read time from the clock rows, so it is exact even before
the worker has fired a warning or breach.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases import present
from minsheng.cases.models import Case
from minsheng.clock import utcnow
from minsheng.sla.calendar import Calendar, ContinuousCalendar
from minsheng.sla.models import SlaClock
from minsheng.sla.policy import STAGE_LABELS, Stage
from minsheng.sla.setup import sla_setup


def live_clock(row: SlaClock, calendar: Calendar, suspended: bool, now: datetime) -> dict[str, Any]:
    due, remaining = row.deadline, row.remaining_seconds
    if suspended:
        state = "overdue" if row.state == "overdue" else "paused"
        if state == "paused":
            due = calendar.add(now, remaining)  # if resumed now
        ticking = False
    else:
        if now > row.deadline:
            state, remaining = "overdue", -calendar.elapsed(row.deadline, now)
        else:
            remaining = calendar.elapsed(now, row.deadline)
            state = "warning" if now >= row.warn_at else "ok"
        ticking = calendar.counts_at(now)
    return {
        "stage": row.stage, "stage_label": STAGE_LABELS.get(Stage(row.stage), row.stage), "unit": row.unit_code,
        "round": row.round, "started_at": row.started_at, "due_at": due, "warn_at": row.warn_at,
        "limit_seconds": row.limit_seconds, "remaining_seconds": round(remaining, 3), "state": state,
        "ticking": ticking, "breached_at": row.breached_at,
    }


def running_clocks(session: Session, cases: list[Case], now: datetime | None = None) -> dict[int, list[dict[str, Any]]]:
    open_cases = {c.id: c for c in cases if c.status != "closed"}
    if not open_cases:
        return {}
    now = now or utcnow()
    setup = sla_setup(session)
    rows = session.scalars(select(SlaClock).where(
        SlaClock.case_id.in_(sorted(open_cases)), SlaClock.stopped_at.is_(None)).order_by(SlaClock.id))
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        track = setup.track(row.track) if setup else None
        calendar = setup.calendar_for(track) if setup and track else ContinuousCalendar()
        out.setdefault(row.case_id, []).append(live_clock(row, calendar, open_cases[row.case_id].suspended, now))
    return out


if running_clocks not in present.clock_providers:
    present.clock_providers.append(running_clocks)
