"""SLA reads: the escalation list (open cases with a breached stage) and calendar warnings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.clock import to_local
from minsheng.directory.actors import Actor
from minsheng.directory.service import case_scope
from minsheng.sla import calendar
from minsheng.sla.models import SlaClock
from minsheng.sla.policy import STAGE_LABELS, Stage
from minsheng.sla.setup import sla_setup


def escalation_list(session: Session, actor: Actor, *, limit: int = 100) -> list[dict[str, Any]]:
    """Open cases escalated by a breached clock, most recent breach first, one line per breach."""
    stmt = (select(Case.id, Case.number, Case.status, Case.unit_code, Case.town_code, Case.level,
                   Case.command_unit_code, SlaClock.stage, SlaClock.unit_code.label("clock_unit"),
                   SlaClock.deadline, SlaClock.breached_at, SlaClock.stopped_at)
            .join(SlaClock, SlaClock.case_id == Case.id)
            .where(SlaClock.breached_at.is_not(None), Case.status != "closed")
            .order_by(SlaClock.breached_at.desc(), SlaClock.id.desc()).limit(limit))
    scope = case_scope(session, actor)
    if scope is not None:
        stmt = stmt.where(scope)
    return [{
        "case_id": r.id, "number": r.number, "status": r.status, "unit": r.unit_code, "town": r.town_code,
        "level": r.level, "command_unit": r.command_unit_code, "stage": r.stage,
        "stage_label": STAGE_LABELS.get(Stage(r.stage), r.stage), "clock_unit": r.clock_unit,
        "deadline": r.deadline, "breached_at": r.breached_at, "stage_done": r.stopped_at is not None,
    } for r in session.execute(stmt)]


def calendar_warnings(session: Session, now: datetime) -> list[str]:
    """Admin warnings for working-hours calendars missing this or next year's holidays."""
    setup = sla_setup(session)
    if setup is None:
        return []
    local = to_local(now)
    assert local is not None
    return calendar.calendar_warnings(setup.sla, local.date())
