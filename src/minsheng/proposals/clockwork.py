"""The proposal clocks as rows: started at assignment or reopening, stopped by sign, first contact
and delivery, and swept for warnings (80%) and breaches (escalated to the centre's supervisors).

`do_fire_due_clocks` is idempotent (each warning and breach fires once, marked on the row) and on
PostgreSQL claims rows with FOR UPDATE SKIP LOCKED, so any number of processes may run it.
It runs from `minsheng proposals check-clocks` and from the in-process loop below.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from minsheng.clock import utcnow
from minsheng.db import Database, for_update
from minsheng.directory import service as directory
from minsheng.directory.actors import system_actor
from minsheng.errors import Conflict
from minsheng.events.outbox import enqueue
from minsheng.proposals import clocks
from minsheng.proposals.models import Proposal, ProposalClock, ProposalEvent
from minsheng.sla.setup import sla_setup

log = logging.getLogger(__name__)
TRACK = "proposal"


def track_rules(session: Session) -> tuple[clocks.Limits, clocks.AddCounted]:
    """The city's `proposal` track: its limits and how its calendar counts time (the SLA domain's
    calendar: every second for 24x7, working hours on working days for a working-hours calendar)."""
    setup = sla_setup(session)
    track = setup.track(TRACK) if setup else None
    if setup is None or track is None:
        raise Conflict("城市配置（sla.yaml）缺少 proposal 时限，不能交办建议提案")
    calendar = setup.calendar_for(track)
    limits = clocks.Limits.from_track(track.model_dump())
    # P30D on a working-hours calendar means 30 working days of its hours (the SLA domain's budget)
    def counted(seconds: int | None) -> int | None:
        return None if seconds is None else int(calendar.budget(seconds).total_seconds())

    return clocks.Limits(counted(limits.sign), counted(limits.contact), counted(limits.feedback),
                         limits.warn_at), calendar.add


def start_round(session: Session, p: Proposal, now: datetime) -> list[ProposalClock]:
    limits, add_counted = track_rules(session)
    rows = [ProposalClock(proposal_id=p.id, round=p.round, stage=c.stage.value, unit_code=p.host_unit_code or "",
                          started_at=c.started_at, warn_at=c.warn_at, due_at=c.due_at, cancelled=False)
            for c in clocks.plan(limits, now, p.round, add_counted)]
    session.add_all(rows)
    session.flush()
    return rows


def _running(session: Session, p: Proposal, stage: str | None = None) -> list[ProposalClock]:
    stmt = select(ProposalClock).where(ProposalClock.proposal_id == p.id, ProposalClock.stopped_at.is_(None),
                                       ProposalClock.cancelled.is_(False))
    if stage:
        stmt = stmt.where(ProposalClock.stage == stage)
    return list(session.scalars(stmt))


def stop(session: Session, p: Proposal, stage: str, now: datetime) -> None:
    for row in _running(session, p, stage):
        row.stopped_at = now
    refresh_overdue(session, p)


def cancel_running(session: Session, p: Proposal, now: datetime) -> None:
    for row in _running(session, p):
        row.cancelled, row.stopped_at = True, now
    refresh_overdue(session, p)


def refresh_overdue(session: Session, p: Proposal) -> None:
    """Overdue while a running clock has breached."""
    session.flush()
    p.overdue = any(row.breached_at is not None for row in _running(session, p))


def present(rows: list[ProposalClock], now: datetime) -> list[dict[str, Any]]:
    result = []
    for row in rows:
        state = clocks.state(row.due_at, row.warn_at, now, stopped_at=row.stopped_at, cancelled=row.cancelled)
        if state is clocks.ClockState.CANCELLED:
            continue
        result.append({"stage": row.stage, "label": clocks.STAGE_LABELS.get(row.stage, row.stage),
                       "round": row.round, "started_at": row.started_at, "warn_at": row.warn_at,
                       "due_at": row.due_at, "stopped_at": row.stopped_at, "state": state.value,
                       "state_label": clocks.STATE_LABELS[state.value],
                       "remaining_seconds": None if row.stopped_at else (row.due_at - now).total_seconds()})
    return result


def _event(session: Session, p: Proposal, action: str, now: datetime, note: str, data: dict[str, Any]) -> None:
    actor = system_actor(directory.centre_unit(session).code)
    session.add(ProposalEvent(proposal_id=p.id, at=now, action=action, from_status=p.status, to_status=p.status,
                              round=p.round, actor_id=None, actor_name=actor.label, actor_unit=actor.unit_code,
                              note=note, data=data))


def do_fire_due_clocks(session: Session, *, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Fire the warnings and breaches that are due. Returns {"warned": n, "breached": m}."""
    now = now or utcnow()
    stmt = select(ProposalClock).where(
        ProposalClock.stopped_at.is_(None), ProposalClock.cancelled.is_(False),
        or_(ProposalClock.warned_at.is_(None) & (ProposalClock.warn_at <= now),
            ProposalClock.breached_at.is_(None) & (ProposalClock.due_at <= now)),
    ).order_by(ProposalClock.warn_at).limit(limit)
    counts = {"warned": 0, "breached": 0}
    centre = directory.centre_unit(session).code
    for row in session.scalars(for_update(stmt, session, skip_locked=True)).all():
        p = session.get(Proposal, row.proposal_id)
        if p is None:
            continue
        label = clocks.STAGE_LABELS.get(row.stage, row.stage)
        params = {"proposal_id": p.id, "number": p.number, "title": p.title, "stage": row.stage,
                  "stage_label": label, "due_at": row.due_at.isoformat(), "unit": row.unit_code}
        if row.warned_at is None:
            row.warned_at = now
            if row.due_at > now:  # a clock found already past due goes straight to its breach
                counts["warned"] += 1
                _event(session, p, "clock_warning", now, f"{label}时限将到（{row.due_at:%Y-%m-%d} 截止）",
                       {"stage": row.stage, "clock_id": row.id})
                enqueue(session, "notify", {"event": "proposal_sla_warning", "to": {
                    "kind": "unit", "unit": row.unit_code, "roles": ["handler", "leader"]}, "params": params},
                    now=now, dedupe_key=f"proposal-clock-{row.id}-warn")
        if row.breached_at is None and row.due_at <= now:
            row.breached_at = now
            counts["breached"] += 1
            p.overdue = p.escalated = True
            _event(session, p, "clock_breach", now, f"{label}超时，提交市中心督办", {"stage": row.stage,
                                                                                  "clock_id": row.id})
            enqueue(session, "notify", {"event": "proposal_sla_breach", "to": {
                "kind": "unit", "unit": centre, "roles": ["supervisor"]}, "params": params},
                now=now, dedupe_key=f"proposal-clock-{row.id}-breach")
    return counts


def start_in_process(state: Any, *, interval: float = 60.0, db_factory: Callable[[], Database] | None = None,
                     ) -> Callable[[], None] | None:
    """A background loop for the embedded (SQLite) set-up; PostgreSQL deployments run the CLI from cron
    or a worker. Off unless `run_worker_in_process` resolves to true."""
    from minsheng.db import get_db
    from minsheng.settings import get_settings

    settings = get_settings()
    enabled = settings.run_worker_in_process
    if enabled is None:
        enabled = settings.is_sqlite
    if not enabled:
        return None
    stop_flag = threading.Event()
    factory = db_factory or get_db

    def loop() -> None:
        while not stop_flag.wait(interval):
            try:
                with factory().session() as session:
                    do_fire_due_clocks(session)
            except Exception:  # keep the loop alive; the next round retries
                log.exception("proposal clock sweep failed")

    thread = threading.Thread(target=loop, name="proposal-clocks", daemon=True)
    thread.start()

    def stop() -> None:
        stop_flag.set()
        thread.join(timeout=5)

    return stop
