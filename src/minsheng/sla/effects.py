"""What a fired timer does, inside the worker's transaction.

Warning: the clock shows `warning`; the handling unit's duty staff and its supervisors are told.
Breach: the clock shows `overdue` and the case is marked overdue, escalated one command level
through the cases service (village → town sub-centre → city centre; a city department → the
city centre's supervisors), which puts it on the escalation list (`escalated`), and the same
people are told. Messages go through the outbox, so they survive a crash after commit.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from minsheng.cases import service as cases
from minsheng.cases.models import Case
from minsheng.cases.schemas import ActionBody
from minsheng.clock import to_local
from minsheng.directory.actors import Actor, system_actor
from minsheng.directory.models import Unit
from minsheng.errors import DomainError
from minsheng.events.models import OutboxMessage
from minsheng.events.publish import announce
from minsheng.sla.models import SlaClock, SlaTimer
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

    @classmethod
    def load(cls, session: Session) -> BatchContext:
        rows = session.execute(select(Unit.code, Unit.parent_code, Unit.kind)).all()
        centre = next((r.code for r in rows if r.kind == "centre"), "SZZX")
        return cls({r.code: r.parent_code for r in rows}, centre, system_actor(centre))

    def supervising_unit(self, unit: str | None) -> str:
        if unit is None:
            return self.centre
        return self.parents.get(unit) or self.centre


def _notify(ctx: BatchContext, timer: SlaTimer, case: Case, clock: SlaClock, event: str, now: datetime,
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


def fire_warning(session: Session, ctx: BatchContext, timer: SlaTimer, case: Case, clock: SlaClock,
                 now: datetime) -> None:
    if clock.state in ("ok", "warning"):
        clock.state = "warning"
    clock.warned_at = now
    remaining = max((clock.deadline - now).total_seconds(), 0.0)
    _notify(ctx, timer, case, clock, "sla_warning", now, {"remaining_seconds": remaining})
    announce(session, "case", case.id, action="sla_warning", status=case.status, unit=case.unit_code,
             town=case.town_code, number=case.number, track=case.track, stage=clock.stage)


def fire_breach(session: Session, ctx: BatchContext, timer: SlaTimer, case: Case, clock: SlaClock,
                now: datetime) -> None:
    clock.state, clock.breached_at = "overdue", now
    case.overdue = True
    label = STAGE_LABELS.get(Stage(clock.stage), clock.stage)
    before = case.level
    # A case that cannot be escalated (e.g. waiting as a merged duplicate) is still overdue.
    with contextlib.suppress(DomainError):
        cases.do_action(session, case.id, "escalate", ActionBody(reason=f"{label}超时，自动提级"), ctx.actor, now=now)
    _notify(ctx, timer, case, clock, "sla_breach", now, {"from_level": before, "to_level": case.level})


def flush_outbox(session: Session, ctx: BatchContext) -> None:
    if ctx.outbox:
        session.execute(insert(OutboxMessage), ctx.outbox)
        ctx.outbox.clear()
