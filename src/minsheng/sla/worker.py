"""The timer worker: claims due timers, fires each exactly once, sleeps until the next one.

Any number of workers may run against PostgreSQL: a batch claims due timers with
`FOR UPDATE SKIP LOCKED`, then the cases they belong to (also skipping locked ones, so a worker
never waits on a case action and a case action never deadlocks with a worker), applies the
effects and marks the timers fired, all in one transaction. A worker killed mid-batch fires
nothing: its transaction rolls back and another worker takes the timers.

Between batches the worker sleeps until the earliest pending deadline, or until woken by a
transaction that added timers (LISTEN/NOTIFY on PostgreSQL, an in-process event on SQLite).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import func, select, update
from sqlalchemy.orm import load_only

from minsheng.cases.models import Case
from minsheng.clock import utcnow
from minsheng.db import Database, for_update, in_ids
from minsheng.sla import clocks
from minsheng.sla.effects import (
    CASE_COLUMNS,
    CLOCK_COLUMNS,
    ESCALATION_COLUMNS,
    BatchContext,
    fire_breaches,
    fire_warning,
    flush,
)
from minsheng.sla.models import SlaClock, SlaTimer

log = logging.getLogger(__name__)


@dataclass
class BatchReport:
    claimed: int = 0
    fired: int = 0
    skipped: int = 0  # their case was busy with an action; retried shortly


class Worker:
    def __init__(self, db: Database, *, batch_size: int = 1000, max_sleep: float = 60.0,
                 name: str | None = None, now: Callable[[], datetime] = utcnow,
                 pause_before_commit: float = 0.0, on_claim: Callable[[int], None] | None = None) -> None:
        self.db, self.batch_size, self.max_sleep = db, batch_size, max_sleep
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.now = now
        self.pause_before_commit = pause_before_commit  # fault injection for the crash test
        self.on_claim = on_claim
        self.fired_total = 0

    # --- one batch -------------------------------------------------------------------------

    def fire_batch(self, now: datetime | None = None) -> BatchReport:
        report = BatchReport()
        with self.db.session() as session:
            cutoff = now or self.now()
            claim: Any = (
                select(SlaTimer.id, SlaTimer.case_id, SlaTimer.clock_id, SlaTimer.kind)
                .where(SlaTimer.fired_at.is_(None), SlaTimer.due_at <= cutoff)
                .order_by(SlaTimer.due_at, SlaTimer.id).limit(self.batch_size))
            timers = session.execute(for_update(claim, session, skip_locked=True)).all()
            report.claimed = len(timers)
            if not timers:
                return report
            if self.on_claim:
                self.on_claim(len(timers))
            case_ids = sorted({t.case_id for t in timers})
            lock: Any = select(*CASE_COLUMNS).where(in_ids(Case.id, case_ids, session)).order_by(Case.id)
            locked = {c.id: c for c in session.execute(for_update(lock, session, skip_locked=True))}
            clock_rows = {c.id: c for c in session.execute(
                select(*CLOCK_COLUMNS).where(in_ids(SlaClock.id, {t.clock_id for t in timers}, session)))}
            breach_cases = {t.case_id for t in timers if t.kind == "breach" and t.case_id in locked}
            case_objects = {c.id: c for c in session.scalars(
                select(Case).options(load_only(*ESCALATION_COLUMNS))
                .where(in_ids(Case.id, breach_cases, session)))} if breach_cases else {}
            ctx = BatchContext.load(session)
            fired_ids, breaches = [], []
            for timer in timers:
                case = locked.get(timer.case_id)
                if case is None:
                    report.skipped += 1
                    continue
                clock = clock_rows[timer.clock_id]
                if clock.stopped_at is None:  # (a stopped clock has no pending timers; defensive)
                    if timer.kind == "breach":
                        breaches.append((timer, case_objects[case.id], clock))
                    else:
                        fire_warning(session, ctx, timer, case, clock, now or self.now())
                fired_ids.append(timer.id)
            if breaches:
                fire_breaches(session, ctx, breaches, now or self.now())
            flush(session, ctx)
            if fired_ids:
                session.execute(update(SlaTimer).where(in_ids(SlaTimer.id, fired_ids, session))
                                .values(fired_at=now or self.now(), fired_by=self.name))
            report.fired = len(fired_ids)
            if self.pause_before_commit:
                time.sleep(self.pause_before_commit)
        self.fired_total += report.fired
        return report

    def run_until_idle(self, now: datetime | None = None) -> int:
        """Fire everything due (at `now`, or as time goes by); the number fired."""
        total = 0
        while True:
            report = self.fire_batch(now)
            total += report.fired
            if report.claimed == 0:
                return total
            if report.fired == 0:
                time.sleep(0.05)

    def next_due(self) -> datetime | None:
        with self.db.read_session() as session:
            return session.scalar(select(func.min(SlaTimer.due_at)).where(SlaTimer.fired_at.is_(None)))

    # --- the loop --------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Fire, then sleep until the next deadline or a wake-up; until `stop` is set. A lost
        database connection is retried every second (the timers wait in their table)."""
        waker: Waker | None = None
        try:
            while not stop.is_set():
                try:
                    waker = waker or Waker(self.db)  # listen before looking, so no wake-up is missed
                    report = self.fire_batch()
                    if report.fired:
                        continue
                    if report.skipped:
                        stop.wait(0.05)
                        continue
                    due = self.next_due()
                    timeout = self.max_sleep if due is None else (due - self.now()).total_seconds()
                    if timeout > 0:
                        waker.wait(min(timeout, self.max_sleep))
                except Exception:
                    log.exception("SLA worker: batch or wait failed; retrying in a second")
                    if waker is not None:
                        waker.close()
                        waker = None
                    stop.wait(1.0)
        finally:
            if waker is not None:
                waker.close()


class Waker:
    """Sleep until a timeout or a wake-up: NOTIFY on PostgreSQL, the in-process event on SQLite."""

    def __init__(self, db: Database) -> None:
        self.conn: psycopg.Connection[Any] | None = None
        if db.is_postgres:
            url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.conn = psycopg.connect(url, autocommit=True)
            self.conn.execute(f"LISTEN {clocks.WAKE_CHANNEL}")

    def wait(self, timeout: float) -> None:
        if self.conn is None:
            clocks.wakeup.wait(timeout)
            clocks.wakeup.clear()
            return
        woke = False
        for _ in self.conn.notifies(timeout=timeout, stop_after=1):
            woke = True
        while woke:  # drain whatever else arrived meanwhile: one look at the table serves them all
            woke = False
            for _ in self.conn.notifies(timeout=0.001, stop_after=100):
                woke = True

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):
                self.conn.close()


def nudge(db: Database) -> None:
    """Wake every worker now (used to stop a worker that is asleep)."""
    if db.is_postgres:
        with db.session() as session:
            clocks.wake_worker(session)
    else:
        clocks.wakeup.set()


def start_in_process(app_state: Any) -> Callable[[], None] | None:
    """Run the worker in a thread of this process (the default with SQLite)."""
    from minsheng.db import get_db
    from minsheng.settings import get_settings

    settings = get_settings()
    enabled = settings.run_worker_in_process
    if enabled is None:
        enabled = settings.is_sqlite
    if not enabled:
        return None
    db = get_db()
    stop = threading.Event()
    worker = Worker(db, max_sleep=30.0)
    thread = threading.Thread(target=worker.run, args=(stop,), name="sla-worker", daemon=True)
    thread.start()

    def _stop() -> None:
        stop.set()
        nudge(db)
        thread.join(timeout=10)

    return _stop
