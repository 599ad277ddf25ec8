"""SLA test helpers: cases driven through the real service, the worker driven by the fake clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from minsheng import domains
from minsheng.cases.models import Case
from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.cases.service import do_action, do_create_case
from minsheng.clock import FakeClock
from minsheng.db import Database
from minsheng.directory.actors import Actor
from minsheng.settings import get_settings
from minsheng.sla.models import SlaClock, SlaTimer
from minsheng.sla.worker import Worker

# who takes which action on a case handled by a unit
HANDLERS = {"ZX-DH": "dh_disp", "ZX-ZD": "zd_disp", "ZFJ": "zfj", "ZJJ": "zjj", "330482001001": "village"}


@pytest.fixture(autouse=True)
def _no_background_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests fire timers by hand; the in-process worker is tested on purpose where wanted."""
    monkeypatch.setenv("MINSHENG_RUN_WORKER_IN_PROCESS", "false")
    get_settings.cache_clear()
    domains.load_listeners()
    yield


class Cases:
    def __init__(self, db: Database, actors: dict[str, Actor], clock: FakeClock) -> None:
        self.db, self.actors, self.clock = db, actors, clock

    def create(self, category: str = "JC02", content: str = "广场舞音响太吵，晚上十点还没停", **kw: Any) -> int:
        with self.db.session() as s:
            body = CaseCreate(channel="12345", content=content, category=category, **kw)
            return do_create_case(s, body, self.actors["calltaker"]).id

    def act(self, case_id: int, action: str, user: str | None = None, **body: Any) -> Case:
        if user is None:
            unit = self.case(case_id).unit_code
            user = {"assign": "citydisp", "approve": "supervisor", "reject": "supervisor", "reopen": "supervisor",
                    "suspend": "citydisp", "resume": "citydisp", "callback": "calltaker"}.get(
                action, HANDLERS.get(unit or "", "admin"))
        with self.db.session() as s:
            return do_action(s, case_id, action, ActionBody(**body), self.actors[user])

    def assigned(self, unit: str = "ZX-DH", category: str = "JC02") -> int:
        case_id = self.create(category=category)
        self.act(case_id, "assign", unit=unit)
        return case_id

    def case(self, case_id: int) -> Case:
        with self.db.read_session() as s:
            case = s.get(Case, case_id)
            assert case is not None
            return case

    def clocks(self, case_id: int) -> dict[str, SlaClock]:
        with self.db.read_session() as s:
            return {c.key: c for c in s.scalars(select(SlaClock).where(SlaClock.case_id == case_id))}

    def timers(self, case_id: int, pending: bool = True) -> list[tuple[str, str, datetime]]:
        """(stage, kind, due_at) of the case's timers, soonest first."""
        with self.db.read_session() as s:
            stmt = select(SlaClock.stage, SlaTimer.kind, SlaTimer.due_at).join(
                SlaClock, SlaClock.id == SlaTimer.clock_id).where(SlaTimer.case_id == case_id)
            if pending:
                stmt = stmt.where(SlaTimer.fired_at.is_(None))
            return sorted((r.stage, r.kind, r.due_at) for r in s.execute(stmt.order_by(SlaTimer.due_at)))


@pytest.fixture
def cases(db: Database, actors: dict[str, Actor], fake_clock: FakeClock) -> Cases:
    return Cases(db, actors, fake_clock)


@pytest.fixture
def worker(db: Database, fake_clock: FakeClock) -> Worker:
    return Worker(db, now=fake_clock.now, name="test-worker")


@pytest.fixture
def fire(worker: Worker, fake_clock: FakeClock) -> Callable[[float], int]:
    """fire(seconds): move the clock on by `seconds`, fire what is due; the number fired."""
    def _fire(seconds: float | timedelta = 0) -> int:
        fake_clock.advance(seconds.total_seconds() if isinstance(seconds, timedelta) else seconds)
        return worker.run_until_idle(fake_clock.now())

    return _fire
