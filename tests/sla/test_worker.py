"""The worker fires each warning and breach once, with the effects the promise needs."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from minsheng.cases.models import CaseEvent
from minsheng.cases.rows import lock_case
from minsheng.cases.schemas import ActionBody
from minsheng.cases.service import do_action
from minsheng.clock import SystemClock, set_clock, utcnow
from minsheng.events.models import OutboxMessage
from minsheng.settings import get_settings
from minsheng.sla.clocks import wake_worker, wakeup
from minsheng.sla.models import SlaTimer
from minsheng.sla.worker import Worker, nudge


def notices(db, case_id: int) -> list[tuple[str, str, str, tuple[str, ...]]]:
    with db.read_session() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id).order_by(OutboxMessage.id))
        return [(m.payload["event"], m.payload["params"].get("stage"), m.payload["to"]["unit"],
                 tuple(m.payload["to"]["roles"])) for m in rows if m.payload["event"].startswith("sla_")]


def timeline(db, case_id: int) -> list[tuple[str, str]]:
    with db.read_session() as s:
        return [(e.action, e.note) for e in s.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))]


def test_nothing_fires_before_its_time(cases, fire) -> None:
    cid = cases.assigned()
    assert fire(47.9) == 0
    assert cases.clocks(cid)["sign:ZX-DH:1"].warned_at is None


def test_warning_at_80_percent_tells_the_duty_staff_and_the_supervisor(db, cases, fire, fake_clock) -> None:
    cid = cases.assigned("ZX-DH")
    assert fire(48) == 1
    sign = cases.clocks(cid)["sign:ZX-DH:1"]
    assert sign.state == "warning" and sign.warned_at == fake_clock.now()
    assert notices(db, cid) == [
        ("sla_warning", "sign", "ZX-DH", ("handler", "town_dispatcher")),
        ("sla_warning", "sign", "SZZX", ("supervisor",)),
    ]
    case = cases.case(cid)
    assert not case.overdue and not case.escalated


def test_breach_marks_overdue_escalates_and_notifies(db, cases, fire, client, login) -> None:
    cid = cases.assigned("ZX-DH")
    assert cases.case(cid).level == "town"
    assert fire(60) == 2  # the warning and the breach of the sign-for clock
    case = cases.case(cid)
    assert case.overdue and case.escalated and case.level == "city" and case.command_unit_code == "SZZX"
    assert cases.clocks(cid)["sign:ZX-DH:1"].state == "overdue"
    action, note = timeline(db, cid)[-1]
    assert action == "escalate" and "签收超时" in note and "镇街道 → 市级" in note
    assert notices(db, cid)[-2:] == [
        ("sla_breach", "sign", "ZX-DH", ("handler", "town_dispatcher")),
        ("sla_breach", "sign", "SZZX", ("supervisor",)),
    ]
    # on the escalation lists: the core's filter and the SLA breach list
    city = login("citydisp")
    listed = client.get("/api/v1/cases", params={"escalated": "true"}, headers=city).json()["items"]
    assert [c["id"] for c in listed] == [cid]
    [line] = client.get("/api/v1/sla/escalations", headers=city).json()
    assert (line["case_id"], line["stage"], line["level"]) == (cid, "sign", "city")


@pytest.mark.parametrize(("unit", "level_after", "command_after", "supervisor"), [
    ("330482001001", "town", "ZX-DH", "ZX-DH"),  # village → town sub-centre
    ("ZFJ", "city", "SZZX", "SZZX"),  # a city department → the city centre's supervisors
])
def test_escalation_goes_one_command_level_up(db, cases, fire, unit, level_after, command_after, supervisor) -> None:
    cid = cases.assigned(unit)
    fire(60)
    case = cases.case(cid)
    assert (case.level, case.command_unit_code) == (level_after, command_after)
    assert notices(db, cid)[-1] == ("sla_breach", "sign", supervisor, ("supervisor",))


def test_a_second_breach_climbs_another_level(cases, fire) -> None:
    cid = cases.assigned("330482001001")
    fire(60)
    cases.act(cid, "sign")
    assert cases.case(cid).level == "town"
    fire(240)  # dispatch deadline at 300 s
    assert cases.case(cid).level == "city"


def test_each_timer_fires_once(db, cases, fire) -> None:
    cid = cases.assigned()
    assert fire(60) == 2
    assert fire(0) == 0 and fire(1) == 0
    with db.read_session() as s:
        fired = s.scalar(select(func.count()).select_from(SlaTimer).where(
            SlaTimer.case_id == cid, SlaTimer.fired_at.is_not(None)))
    assert fired == 2
    assert [a for a, _ in timeline(db, cid)].count("escalate") == 1


def test_an_action_after_the_deadline_but_before_the_worker_keeps_the_breach(db, cases, fire, fake_clock) -> None:
    cid = cases.assigned()
    fake_clock.advance(61)
    cases.act(cid, "suspend", reason="等待第三方")  # overdue already: the breach must still fire
    assert ("sign", "breach", cases.clocks(cid)["sign:ZX-DH:1"].deadline) in cases.timers(cid)
    fire(0)
    assert cases.case(cid).escalated
    assert cases.clocks(cid)["sign:ZX-DH:1"].breached_at is not None


def test_a_stage_done_late_before_the_worker_came_is_missed_but_not_escalated(cases, fire, fake_clock) -> None:
    cid = cases.assigned()
    fake_clock.advance(61)
    cases.act(cid, "sign")
    assert cases.clocks(cid)["sign:ZX-DH:1"].state == "missed"
    fire(0)
    assert not cases.case(cid).escalated


@pytest.mark.postgres_only
def test_a_case_busy_with_an_action_is_skipped_not_waited_for(db, cases, fake_clock, worker) -> None:
    cid = cases.assigned()
    fake_clock.advance(60)
    with db.session() as s:
        lock_case(s, cid)  # an action in progress holds the case
        report = worker.fire_batch(fake_clock.now())
        assert (report.claimed, report.fired, report.skipped) == (2, 0, 2)
    assert worker.run_until_idle(fake_clock.now()) == 2


@pytest.mark.postgres_only
def test_two_workers_fire_every_timer_exactly_once(db, cases, fake_clock) -> None:
    ids = [cases.assigned(unit) for unit in ["ZX-DH", "ZX-ZD", "ZFJ", "330482001001"] * 15]
    fake_clock.advance(301)  # sign and dispatch warnings and breaches: 4 per case
    # A pause between claiming timers and locking their cases widens the window in which a
    # worker without row locks on the timers would fire what the other one just fired.
    # Different pauses, so that one worker would lock cases right after the other committed.
    workers = [Worker(db, batch_size=5, now=fake_clock.now, name=f"w{i}",
                      on_claim=lambda n, pause=pause: time.sleep(pause)) for i, pause in enumerate([0.02, 0.09])]
    counts = [0, 0]
    barrier = threading.Barrier(2)

    def run(i: int) -> None:
        barrier.wait()
        counts[i] = workers[i].run_until_idle(fake_clock.now())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(counts) == 4 * len(ids)
    assert all(counts)  # SKIP LOCKED: both workers got a share, neither waited on the other
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(SlaTimer).where(SlaTimer.fired_at.is_(None),
                                                                          SlaTimer.due_at <= fake_clock.now())) == 0
        escalations = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "escalate"))
        messages = s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.dedupe_key.like("sla:%")))
    assert escalations == 2 * len(ids)  # one per breach
    assert messages == 2 * 4 * len(ids)  # duty staff and supervisor, per timer


def test_the_loop_sleeps_until_the_deadline_and_wakes_for_new_timers(db, cases, fake_clock) -> None:
    """Real time: a worker asleep with nothing due is woken by a new assignment and fires at the
    deadline. (Precision is measured by `minsheng bench sla`, not asserted here.)"""
    set_clock(SystemClock())
    try:
        stop = threading.Event()
        w = Worker(db, max_sleep=30.0, name="loop")
        thread = threading.Thread(target=w.run, args=(stop,), daemon=True)
        thread.start()
        cid = cases.create()
        with db.session() as s:
            do_action(s, cid, "assign", ActionBody(unit="ZX-DH"), cases.actors["citydisp"])
            # bring the sign-for warning forward to a second from now
            timer = s.scalars(select(SlaTimer).where(SlaTimer.case_id == cid, SlaTimer.kind == "warn")
                              .order_by(SlaTimer.due_at)).first()
            assert timer is not None
            timer.due_at = utcnow() + timedelta(seconds=1)
            wake_worker(s)
        for _ in range(100):
            if w.fired_total:
                break
            stop.wait(0.1)
        stop.set()
        nudge(db)
        thread.join(10)
        assert w.fired_total == 1 and not thread.is_alive()
    finally:
        set_clock(fake_clock)


def test_serve_runs_the_worker_in_process_on_sqlite(db, backend, cases, fake_clock, monkeypatch) -> None:
    monkeypatch.setenv("MINSHENG_RUN_WORKER_IN_PROCESS", "true" if backend == "sqlite" else "false")
    get_settings.cache_clear()
    from fastapi.testclient import TestClient

    from minsheng.app import create_app

    cid = cases.assigned()
    with TestClient(create_app()):
        running = [t for t in threading.enumerate() if t.name == "sla-worker"]
        assert len(running) == (1 if backend == "sqlite" else 0)
        if backend == "sqlite":
            fake_clock.advance(61)
            wakeup.set()
            for _ in range(100):
                if cases.case(cid).escalated:
                    break
                time.sleep(0.1)
            assert cases.case(cid).escalated
    assert not [t for t in threading.enumerate() if t.name == "sla-worker"]


@pytest.mark.postgres_only
def test_the_loop_survives_losing_its_wake_up_connection(db, cases, fake_clock) -> None:
    set_clock(SystemClock())
    stop = threading.Event()
    try:
        w = Worker(db, max_sleep=30.0, name="resilient")
        thread = threading.Thread(target=w.run, args=(stop,), daemon=True)
        thread.start()
        time.sleep(0.5)
        with db.session() as s:
            killed = s.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'")).all()
        assert len(killed) == 1
        cid = cases.create()
        with db.session() as s:
            do_action(s, cid, "assign", ActionBody(unit="ZX-DH"), cases.actors["citydisp"])
            timer = s.scalars(select(SlaTimer).where(SlaTimer.case_id == cid, SlaTimer.kind == "warn")).first()
            assert timer is not None
            timer.due_at = utcnow() + timedelta(seconds=1)
            wake_worker(s)
        for _ in range(150):
            if w.fired_total:
                break
            stop.wait(0.1)
        assert w.fired_total == 1
    finally:
        stop.set()
        nudge(db)
        set_clock(fake_clock)
