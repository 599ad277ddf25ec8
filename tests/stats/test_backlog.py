"""The background queues' figures: each queue late past its limits turns lagging, then stalled,
and a worker catching up turns it back; the API and the board show them to the city centre only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from minsheng import domains
from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.cases.service import do_action, do_create_case
from minsheng.clock import FakeClock
from minsheng.db import Database
from minsheng.directory.actors import Actor
from minsheng.events.models import OutboxMessage
from minsheng.proposals import clockwork
from minsheng.proposals.schemas import AssignBody, ProposalCreate
from minsheng.proposals.service import do_assign, do_create_proposal
from minsheng.routing.tables import RoutingQueue
from minsheng.sla.models import SlaTimer
from minsheng.sla.worker import Worker
from minsheng.stats.backlog import LIMITS, Queue, backlog, state_of, worst_state
from tests.proposals.conftest import SAMPLE


@pytest.fixture(autouse=True)
def _listeners() -> None:
    domains.load_listeners()  # assigning starts the SLA clocks


def _queues(db: Database, clock: FakeClock) -> dict[str, Queue]:
    with db.read_session() as s:
        return {q.key: q for q in backlog(s, clock.now())}


def _case(db: Database, actors: dict[str, Actor], assign: bool = False) -> int:
    with db.session() as s:
        case = do_create_case(s, CaseCreate(channel="12345", content="广场舞音响太吵，晚上十点还没停",
                                            category="JC02"), actors["calltaker"])
        if assign:
            do_action(s, case.id, "assign", ActionBody(unit="ZX-DH"), actors["citydisp"])
        return case.id


def test_states_follow_the_limits() -> None:
    limits = LIMITS["routing"]
    assert state_of("routing", None) == "ok"
    assert state_of("routing", limits.lagging) == "ok"
    assert state_of("routing", limits.lagging + 1) == "lagging"
    assert state_of("routing", limits.stalled + 1) == "stalled"
    q = [Queue("routing", "x", 0, None, 0, "ok"), Queue("outbox", "y", 3, 999, 1, "stalled")]
    assert worst_state(q) == "stalled" and worst_state(q[:1]) == "ok" and worst_state([]) == "ok"


def test_a_case_waiting_for_the_background_router(db: Database, actors: dict[str, Actor],
                                                  fake_clock: FakeClock) -> None:
    case_id = _case(db, actors)
    assert _queues(db, fake_clock)["routing"].pending == 0
    with db.session() as s:
        s.add(RoutingQueue(case_id=case_id, queued_at=fake_clock.now(), attempts=1))
    fake_clock.advance(seconds=45)
    q = _queues(db, fake_clock)["routing"]
    assert (q.pending, q.oldest_seconds, q.retrying, q.state) == (1, 45.0, 1, "lagging")
    fake_clock.advance(minutes=10)
    assert _queues(db, fake_clock)["routing"].state == "stalled"


def test_undelivered_messages_count_from_when_they_were_due(db: Database, fake_clock: FakeClock) -> None:
    now = fake_clock.now()
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.delivered_at.is_(None)))
        s.add(OutboxMessage(topic="notify", payload={}, created_at=now, available_at=now, attempts=0))
        # failed once, retried later: waiting, but not yet due
        s.add(OutboxMessage(topic="webhook", payload={}, created_at=now, available_at=now + timedelta(hours=1),
                            attempts=1, last_error="HTTP 503"))
    fake_clock.advance(seconds=90)
    q = _queues(db, fake_clock)["outbox"]
    assert q.pending == (before or 0) + 2 and q.retrying >= 1
    assert q.oldest_seconds is not None and q.oldest_seconds >= 90 and q.state == "lagging"
    with db.session() as s:
        for m in s.scalars(select(OutboxMessage).where(OutboxMessage.delivered_at.is_(None))):
            if m.available_at <= fake_clock.now():
                m.delivered_at = fake_clock.now()
    q = _queues(db, fake_clock)["outbox"]
    assert (q.pending, q.retrying, q.oldest_seconds, q.state) == (1, 1, None, "ok")  # the retry is not due yet


def test_sla_timers_past_due_and_unfired_until_the_worker_fires_them(db: Database, actors: dict[str, Actor],
                                                                   fake_clock: FakeClock) -> None:
    case_id = _case(db, actors, assign=True)
    with db.read_session() as s:
        first_due = s.scalar(select(func.min(SlaTimer.due_at)).where(SlaTimer.case_id == case_id))
    assert first_due is not None
    assert _queues(db, fake_clock)["sla_timers"].pending == 0
    fake_clock.set(first_due + timedelta(seconds=40))
    q = _queues(db, fake_clock)["sla_timers"]
    assert q.pending >= 1 and q.oldest_seconds == 40.0 and q.state == "lagging"
    Worker(db, now=fake_clock.now).run_until_idle()
    q = _queues(db, fake_clock)["sla_timers"]
    assert (q.pending, q.oldest_seconds, q.state) == (0, None, "ok")


def test_proposal_clocks_past_a_warning_not_yet_marked(db: Database, actors: dict[str, Actor],
                                                       fake_clock: FakeClock) -> None:
    with db.session() as s:
        p = do_create_proposal(s, ProposalCreate(**SAMPLE), actors["citydisp"])
        do_assign(s, p.id, AssignBody(host_unit="ZJJ"), actors["citydisp"])
    assert _queues(db, fake_clock)["proposal_clocks"].pending == 0
    fake_clock.advance(days=4, seconds=200)  # the sign clock's warning (80% of 5 days) is 200 s old
    q = _queues(db, fake_clock)["proposal_clocks"]
    assert (q.pending, q.oldest_seconds, q.state) == (1, 200.0, "lagging")
    with db.session() as s:
        clockwork.do_fire_due_clocks(s)
    assert _queues(db, fake_clock)["proposal_clocks"].state == "ok"
    fake_clock.advance(days=1, seconds=1000)  # now the deadline is missed and not yet marked
    q = _queues(db, fake_clock)["proposal_clocks"]
    assert (q.pending, q.state) == (1, "stalled") and q.oldest_seconds is not None and q.oldest_seconds > 900


def test_the_api_shows_the_backlog_to_the_city_centre_only(client: Any, login: Any) -> None:
    resp = client.get("/api/v1/ops/backlog", headers=login("supervisor"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["state"] in ("ok", "lagging", "stalled")
    assert [q["key"] for q in body["queues"]] == ["routing", "outbox", "sla_timers", "proposal_clocks"]
    assert all(q["label"] and q["state_label"] for q in body["queues"])
    for user in ("zd_disp", "zfj", "calltaker"):
        denied = client.get("/api/v1/ops/backlog", headers=login(user))
        assert denied.status_code == 403 and "市中心" in denied.json()["message"]
    assert client.get("/api/v1/ops/backlog").status_code == 401
