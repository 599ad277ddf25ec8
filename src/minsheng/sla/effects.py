"""What a fired timer does, inside the worker's transaction.

Warning: the clock shows `warning`; the handling unit's duty staff and its supervisors are told.
Breach: the clock shows `overdue` and the case is marked overdue, escalated one command level
through the cases service (village → town sub-centre → city centre; a city department → the
city centre's supervisors), which puts it on the escalation list (`escalated`), and the same
people are told. Messages go through the outbox, so they survive a crash after commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from minsheng.cases import service as cases
from minsheng.cases.models import Case
from minsheng.clock import to_local
from minsheng.db import insert_rows
from minsheng.directory.actors import Actor, system_actor
from minsheng.directory.models import Unit
from minsheng.events.models import OutboxMessage
from minsheng.sla.models import SlaClock
from minsheng.sla.policy import STAGE_LABELS, Stage

DUTY_ROLES = ["handler", "town_dispatcher"]
SUPERVISOR_ROLES = ["supervisor"]


@dataclass
class BatchContext:
    """Read once per batch: the command tree and the system actor that escalates."""

    parents: dict[str, str | None]
    centre: str
    actor: Actor
    outbox: list[dict[str, Any]] = field(default_factory=list)
    warned: list[dict[str, Any]] = field(default_factory=list)  # clock row updates, written together
    breached: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session) -> BatchContext:
        rows = session.execute(select(Unit.code, Unit.parent_code, Unit.kind)).all()
        centre = next((r.code for r in rows if r.kind == "centre"), "SZZX")
        return cls({r.code: r.parent_code for r in rows}, centre, system_actor(centre))

    def supervising_unit(self, unit: str | None) -> str:
        if unit is None:
            return self.centre
        return self.parents.get(unit) or self.centre


# Timer, case and clock as read by the worker: rows with the attributes used below (a Case object
# serves as well).
Row = Any
CASE_COLUMNS = (Case.id, Case.number, Case.status, Case.track, Case.priority, Case.unit_code,
                Case.command_unit_code, Case.town_code, Case.team_code, Case.level)
# What escalating a case reads and writes (the rest of the row stays unloaded).
ESCALATION_COLUMNS = (*CASE_COLUMNS, Case.suspended, Case.rated, Case.merged, Case.overdue, Case.escalated,
                      Case.updated_at, Case.group_id)  # group_id: the groups listener looks at it
CLOCK_COLUMNS = (SlaClock.id, SlaClock.stage, SlaClock.unit_code, SlaClock.deadline, SlaClock.state,
                 SlaClock.stopped_at)


def _notify(ctx: BatchContext, timer: Row, case: Row, clock: Row, event: str, now: datetime,
            extra: dict[str, Any]) -> None:
    unit = clock.unit_code or case.unit_code
    params = {
        "case_id": case.id, "number": case.number, "stage": clock.stage,
        "stage_label": STAGE_LABELS.get(Stage(clock.stage), clock.stage),
        "deadline": (to_local(clock.deadline) or clock.deadline).isoformat(), "unit": unit, **extra,
    }
    recipients = [("duty", {"kind": "unit", "unit": unit, "roles": DUTY_ROLES}),
                  ("supervisor", {"kind": "unit", "unit": ctx.supervising_unit(unit), "roles": SUPERVISOR_ROLES})]
    for who, to in recipients:
        ctx.outbox.append(dict(
            topic="notify", case_id=case.id, dedupe_key=f"sla:{timer.id}:{who}",
            payload={"event": event, "to": to, "params": params}, created_at=now, available_at=now, attempts=0))


def fire_warning(session: Session, ctx: BatchContext, timer: Row, case: Row, clock: Row, now: datetime) -> None:
    ctx.warned.append({"id": clock.id, "state": "warning" if clock.state in ("ok", "warning") else clock.state,
                       "warned_at": now})
    remaining = max((clock.deadline - now).total_seconds(), 0.0)
    _notify(ctx, timer, case, clock, "sla_warning", now, {"remaining_seconds": remaining})
    # No console announcement: a countdown turns to `warning` by itself at warn_at.


def fire_breaches(session: Session, ctx: BatchContext, breaches: list[tuple[Row, Case, Row]], now: datetime) -> None:
    """Mark overdue, escalate (one cases-service call for the batch), tell the people concerned."""
    before = []
    for _, case, clock in breaches:
        ctx.breached.append({"id": clock.id, "state": "overdue", "breached_at": now})
        case.overdue = True
        before.append(case.level)
    items = [(case, f"{STAGE_LABELS.get(Stage(clock.stage), clock.stage)}超时，自动提级")
             for _, case, clock in breaches]
    # A case the workflow does not let escalate (e.g. a merged duplicate waiting) is still overdue.
    for _, case, _ in breaches:  # the same columns on every row, so the flush writes one executemany
        for column in ("level", "command_unit_code", "escalated"):
            flag_modified(case, column)
    cases.do_escalate_many(session, items, ctx.actor, now)
    for (timer, case, clock), level in zip(breaches, before, strict=True):
        _notify(ctx, timer, case, clock, "sla_breach", now, {"from_level": level, "to_level": case.level})


def flush(session: Session, ctx: BatchContext) -> None:
    """Write the batch's clock changes and messages: one executemany each."""
    for rows in (ctx.warned, ctx.breached):
        if rows:
            session.execute(update(SlaClock), rows)
            rows.clear()
    if ctx.outbox:
        insert_rows(session, OutboxMessage.__table__, ctx.outbox)
        ctx.outbox.clear()
