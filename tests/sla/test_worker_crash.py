"""A worker process killed (SIGKILL) in the middle of a batch fires nothing; the next one fires all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from minsheng.cases.models import CaseEvent
from minsheng.clock import SystemClock
from minsheng.events.models import OutboxMessage
from minsheng.sla.models import SlaTimer
from minsheng.sla.worker import Worker


def counts(db) -> tuple[int, int, int]:
    with db.read_session() as s:
        fired = s.scalar(select(func.count()).select_from(SlaTimer).where(SlaTimer.fired_at.is_not(None)))
        escalations = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "escalate"))
        messages = s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.dedupe_key.like("sla:%")))
    return fired, escalations, messages


def test_a_worker_killed_mid_batch_fires_nothing_and_the_next_fires_each_once(db, cases, fake_clock) -> None:
    fake_clock.set(datetime.now(UTC) - timedelta(minutes=10))  # sign-for and dispatch are long overdue
    ids = [cases.assigned(unit) for unit in ("ZX-DH", "ZFJ", "330482001001", "ZX-ZD")]
    env = {**os.environ, "MINSHENG_DATABASE_URL": db.url.replace("postgresql+psycopg://", "postgresql://")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from minsheng.cli import main; main()", "worker", "--once",
         "--pause-before-commit", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("claimed 16"), line + (proc.stderr.read() if proc.poll() is not None and proc.stderr
                                                       else "")
        time.sleep(1.0)  # the effects are applied, the commit has not happened yet
        assert proc.poll() is None
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert counts(db) == (0, 0, 0)
    assert not any(cases.case(cid).escalated for cid in ids)

    fired = Worker(db, now=SystemClock().now, name="after-crash").run_until_idle()
    assert fired == 16  # warning and breach of sign-for and dispatch, for 4 cases
    assert counts(db) == (16, 8, 32)
    assert all(cases.case(cid).escalated for cid in ids)
