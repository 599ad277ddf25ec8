"""Keep a case's clock rows and timers in step with its timeline, inside the action's transaction.

The transition listener replays the case's timeline through the pure policy and rewrites the
clock rows; pending timers are added, moved or removed so that each running clock has a warning
timer (until its warning instant passes) and a breach timer (until its deadline passes). After
commit the worker is woken (PostgreSQL NOTIFY; an in-process event on SQLite).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from minsheng.cases import hooks
from minsheng.cases.models import Case, CaseEvent
from minsheng.db import committed_for_real, in_ids, insert_rows, is_postgres
from minsheng.events.publish import notifier
from minsheng.orm import loaded
from minsheng.sla.models import SlaClock, SlaTimer
from minsheng.sla.policy import ClockEvent, ClockState, StageClock, clock_events_for, compute_clocks
from minsheng.sla.setup import SlaSetup, sla_setup

WAKE_CHANNEL = "minsheng_sla"
_WAKE_FLAG = "minsheng_sla_wake"
wakeup = threading.Event()  # set after a commit that added timers (in-process worker, SQLite)
CLOCK_ACTIONS = frozenset({
    "assign", "reopen", "sign", "dispatch_team", "contact", "feedback", "reject", "return", "approve",
    "answer_directly", "close", "merge", "suspend", "resume", "extend",
})


# Timeline lines other domains write that move clocks besides the workflow's actions (a group's
# co-units sign and answer on their own clocks): action → fn(at, data) → clock events. The domain
# calls sync_case_clocks after writing such a line (it is not a workflow transition).
TimelineClocks = Callable[[datetime, dict[str, Any]], list[ClockEvent]]
timeline_clock_events: dict[str, TimelineClocks] = {}


def replay(events: Iterable[tuple[datetime, str, dict[str, Any]]]) -> list[ClockEvent]:
    """Timeline lines (at, action, data) → clock events; tracks the handling unit along the way."""
    unit: str | None = None
    out: list[ClockEvent] = []
    for at, action, data in events:
        extra = timeline_clock_events.get(action)
        if extra is not None:
            out.extend(extra(at, data))
            continue
        if action not in CLOCK_ACTIONS:
            continue
        if action == "assign":
            unit = data.get("unit")
        elif action == "return":
            unit = None
        kwargs: dict[str, Any] = {}
        if action in ("assign", "reopen", "reject"):
            kwargs["unit"] = unit
        elif action == "sign":
            kwargs["unit"] = data.get("unit", unit)
        elif action == "extend":
            until = data.get("until")
            kwargs = {"stage": data.get("stage"), "seconds": float(data.get("seconds") or 0),
                      "until": datetime.fromisoformat(until) if until else None, "reason": data.get("reason", "")}
        out.extend(clock_events_for(action, at, **kwargs))
    return out


def case_clocks(session: Session, setup: SlaSetup, case: Case, now: datetime) -> list[StageClock]:
    """The case's clocks recomputed from its timeline (the source of truth)."""
    track = setup.track(case.track)
    if track is None:
        return []
    rows = session.execute(
        select(CaseEvent.at, CaseEvent.action, CaseEvent.data).where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.id)).all()
    return compute_clocks(track, setup.calendar_for(track), replay((r.at, r.action, r.data or {}) for r in rows), now)


def desired_timers(clock: StageClock, clock_id: int, fired: set[tuple[int, str, datetime]],
                   now: datetime) -> set[tuple[int, str, datetime]]:
    """The timers a clock needs: a breach at its deadline and a warning at its warning instant,
    each unless already fired. A due timer stays wanted until it fires (the worker may lag)."""
    if clock.state not in (ClockState.OK, ClockState.WARNING, ClockState.OVERDUE):
        return set()  # stopped or paused: nothing to fire
    wanted = set()
    breach = (clock_id, "breach", clock.deadline)
    if breach not in fired:
        wanted.add(breach)
    warn = (clock_id, "warn", clock.warn_at)
    warned_before = any(f[0] == clock_id and f[1] == "warn" for f in fired)
    if clock.state is not ClockState.OVERDUE and warn not in fired and (clock.warn_at > now or not warned_before):
        wanted.add(warn)
    return wanted


def sync_case_clocks(session: Session, case: Case, now: datetime) -> list[StageClock]:
    """Rewrite the case's clock rows and pending timers from its timeline."""
    return sync_clocks_of(session, [case], now).get(case.id, [])


def sync_clocks_of(session: Session, cases: list[Case], now: datetime) -> dict[int, list[StageClock]]:
    """`sync_case_clocks` for many cases in a few statements (their timelines, clock rows and timers
    each read in one query, written in one flush): the clocks of each case by its id."""
    setup = sla_setup(session)
    if setup is None or not cases:
        return {}
    ids = [case.id for case in cases]
    timelines: dict[int, list[Any]] = defaultdict(list)
    for r in session.execute(select(CaseEvent.case_id, CaseEvent.at, CaseEvent.action, CaseEvent.data)
                             .where(in_ids(CaseEvent.case_id, ids, session)).order_by(CaseEvent.id)):
        timelines[r.case_id].append(r)
    clocks: dict[int, list[StageClock]] = {}
    for case in cases:
        track = setup.track(case.track)
        clocks[case.id] = [] if track is None else compute_clocks(
            track, setup.calendar_for(track), replay((r.at, r.action, r.data or {}) for r in timelines[case.id]), now)
    tz = setup.timezone()
    rows: dict[int, dict[str, SlaClock]] = defaultdict(dict)
    for existing in session.scalars(select(SlaClock).where(in_ids(SlaClock.case_id, ids, session))):
        rows[existing.case_id][existing.key] = existing
    new: list[dict[str, Any]] = []
    for case in cases:
        mine = rows[case.id]
        for gone in set(mine) - {c.key for c in clocks[case.id]}:  # the track changed: clocks it never had
            session.delete(mine.pop(gone))
        for c in clocks[case.id]:
            values = {"unit_code": c.unit, "town_code": case.town_code, "track": case.track,
                      "started_at": c.started_at, "local_day": c.started_at.astimezone(tz).date(),
                      "deadline": c.deadline, "warn_at": c.warn_at, "limit_seconds": c.limit_seconds,
                      "remaining_seconds": c.remaining_seconds, "paused_seconds": c.paused_seconds,
                      "state": c.state.value, "stopped_at": c.stopped_at, "updated_at": now}
            row = mine.get(c.key)
            if row is None:
                new.append({"case_id": case.id, "key": c.key, "stage": c.stage.value, "round": c.round,
                            "warned_at": None, "breached_at": None, **values})
            else:
                for name, value in values.items():
                    setattr(row, name, value)
    session.flush()
    # New clocks go in as one INSERT of their values, not through the unit of work: for a batch
    # (the background router assigning 32 cases) the ORM's statement cost more than the clocks.
    for values, clock_id in zip(new, insert_rows(session, SlaClock.__table__, new, return_ids=True), strict=True):
        row = loaded(session, SlaClock, {**values, "id": clock_id})
        rows[row.case_id][row.key] = row
    timers: dict[int, list[SlaTimer]] = defaultdict(list)
    for timer in session.scalars(select(SlaTimer).where(in_ids(SlaTimer.case_id, ids, session))):
        timers[timer.case_id].append(timer)
    stale: list[int] = []
    added: list[dict[str, Any]] = []
    for case in cases:
        have = {(t.clock_id, t.kind, t.due_at): t for t in timers[case.id] if t.fired_at is None}
        fired = {(t.clock_id, t.kind, t.due_at) for t in timers[case.id] if t.fired_at is not None}
        want = {key for c in clocks[case.id] for key in desired_timers(c, rows[case.id][c.key].id, fired, now)}
        stale.extend(t.id for key, t in have.items() if key not in want)
        added.extend({"case_id": case.id, "clock_id": clock_id, "kind": kind, "due_at": due, "fired_at": None,
                      "fired_by": None} for clock_id, kind, due in sorted(want - set(have), key=lambda k: k[2]))
        case.overdue = any(c.state is ClockState.OVERDUE for c in clocks[case.id])
    if stale:
        session.execute(delete(SlaTimer).where(in_ids(SlaTimer.id, stale, session)))
    if added:
        insert_rows(session, SlaTimer.__table__, added)
        wake_worker(session)
    return clocks


def wake_worker(session: Session) -> None:
    """Wake the timer workers once this transaction commits.

    Not a NOTIFY inside the transaction: PostgreSQL serialises the commits of every transaction
    that notifies, which would cap intake; the per-process notifier sends it right after commit.
    """
    session.info[_WAKE_FLAG] = True


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if committed_for_real(session) and session.info.pop(_WAKE_FLAG, False):
        if is_postgres(session):
            notifier(session.get_bind().engine).wake(WAKE_CHANNEL)
        else:
            wakeup.set()


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_WAKE_FLAG, None)


@hooks.on_transition
def on_case_transition(session: Session, transition: hooks.Transition) -> None:
    if transition.action in CLOCK_ACTIONS:
        sync_case_clocks(session, transition.case, transition.at)


@hooks.batch_form(on_case_transition)
def on_case_transitions(session: Session, transitions: list[hooks.Transition]) -> None:
    """The clocks of a batch's cases in one go (transitions of one action, at one instant)."""
    timed = [t for t in transitions if t.action in CLOCK_ACTIONS]
    for at in sorted({t.at for t in timed}):
        cases = {t.case.id: t.case for t in timed if t.at == at}
        sync_clocks_of(session, list(cases.values()), at)
