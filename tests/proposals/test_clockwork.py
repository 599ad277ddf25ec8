"""Clock rows: warnings at 80%, breaches escalated to the centre's supervisors, each fired once."""

from __future__ import annotations

from sqlalchemy import select

from minsheng.events.models import OutboxMessage
from minsheng.proposals import clockwork
from minsheng.proposals.handling import do_record_contact
from minsheng.proposals.models import Proposal, ProposalClock, ProposalEvent
from minsheng.proposals.schemas import AssignBody, ContactBody, NoteOnlyBody, ProposalCreate
from minsheng.proposals.service import do_assign, do_create_proposal, do_sign
from tests.proposals.conftest import SAMPLE, contact_body


def setup(db, actors) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        p = do_create_proposal(s, ProposalCreate(**SAMPLE), actors["citydisp"])
        do_assign(s, p.id, AssignBody(host_unit="ZJJ"), actors["citydisp"])
        return p.id


def sweep(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return clockwork.do_fire_due_clocks(s)


def notifications(db) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with db.read_session() as s:
        return [(m.payload["event"], m.payload["params"]["stage"], m.payload["to"]["unit"])
                for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
                if m.payload["event"].startswith("proposal_sla")]


def test_warnings_then_breaches_fire_once_each(db, actors, fake_clock) -> None:
    pid = setup(db, actors)
    assert sweep(db) == {"warned": 0, "breached": 0}
    fake_clock.advance(days=4)  # 80% of the 5-day sign limit
    assert sweep(db) == {"warned": 1, "breached": 0}
    assert sweep(db) == {"warned": 0, "breached": 0}
    fake_clock.advance(days=1)
    assert sweep(db) == {"warned": 0, "breached": 1}
    with db.read_session() as s:
        p = s.get(Proposal, pid)
        assert p is not None and p.overdue and p.escalated
    with db.session() as s:
        do_sign(s, pid, NoteOnlyBody(), actors["zjj"])
    with db.read_session() as s:
        p = s.get(Proposal, pid)
        assert p is not None and not p.overdue and p.escalated  # overdue clears, the escalation stays on record
    fake_clock.advance(days=19)  # day 24: the contact warning
    assert sweep(db) == {"warned": 1, "breached": 0}
    with db.session() as s:
        do_record_contact(s, pid, ContactBody(**contact_body(occurred_on="2026-12-19")), actors["zjj"])
    fake_clock.advance(days=66)  # day 90: the reply limit passes
    assert sweep(db) == {"warned": 0, "breached": 1}  # past due when first seen: the breach, no late warning
    assert notifications(db) == [
        ("proposal_sla_warning", "sign", "ZJJ"), ("proposal_sla_breach", "sign", "SZZX"),
        ("proposal_sla_warning", "contact", "ZJJ"), ("proposal_sla_breach", "feedback", "SZZX")]
    with db.read_session() as s:
        actions = [e.action for e in s.scalars(select(ProposalEvent).where(ProposalEvent.proposal_id == pid)
                                               .order_by(ProposalEvent.id))]
        clocks = {c.stage: c for c in s.scalars(select(ProposalClock).where(ProposalClock.proposal_id == pid))}
    assert actions == ["create", "assign", "clock_warning", "clock_breach", "sign", "clock_warning",
                       "record_contact", "clock_breach"]
    assert clocks["contact"].stopped_at is not None and clocks["contact"].breached_at is None
    assert clocks["feedback"].breached_at is not None and clocks["feedback"].stopped_at is None


def test_a_sweep_only_touches_running_clocks(db, actors, fake_clock) -> None:
    pid = setup(db, actors)
    with db.session() as s:
        do_sign(s, pid, NoteOnlyBody(), actors["zjj"])
    fake_clock.advance(days=6)
    assert sweep(db) == {"warned": 0, "breached": 0}


def test_the_in_process_loop_fires_due_clocks_and_stops(db, actors, fake_clock, monkeypatch) -> None:
    import time

    from minsheng.settings import get_settings

    pid = setup(db, actors)
    fake_clock.advance(days=4)
    monkeypatch.setenv("MINSHENG_RUN_WORKER_IN_PROCESS", "true")
    get_settings.cache_clear()
    stop = clockwork.start_in_process(None, interval=0.05, db_factory=lambda: db)
    assert stop is not None
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with db.read_session() as s:
                if s.scalar(select(ProposalClock.warned_at).where(ProposalClock.proposal_id == pid,
                                                                  ProposalClock.stage == "sign")):
                    break
            time.sleep(0.05)
        else:
            raise AssertionError("the loop did not fire the sign warning")
    finally:
        stop()
    monkeypatch.setenv("MINSHENG_RUN_WORKER_IN_PROCESS", "false")
    get_settings.cache_clear()
    assert clockwork.start_in_process(None) is None


def test_every_proposal_notification_has_its_own_chinese_template(db, actors, fake_clock) -> None:
    from minsheng.integrations.notify.templates import TEMPLATES, render

    pid = setup(db, actors)
    fake_clock.advance(days=4)
    sweep(db)
    fake_clock.advance(days=2)
    sweep(db)
    with db.read_session() as s:
        payloads = [m.payload for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    events = [p["event"] for p in payloads]
    assert events == ["proposal_assigned", "proposal_sla_warning", "proposal_sla_breach"]
    texts = [render(p["event"], p["params"]) for p in payloads]
    assert all(p["event"] in TEMPLATES for p in payloads)
    assert texts[0].startswith("【民声一键办】建议提案第12号《关于加快老旧小区加装电梯的建议》已交办贵单位主办")
    assert "「签收」" in texts[2] and "已提交督办" in texts[2] and pid


def test_a_working_hours_proposal_track_counts_working_days(db, actors, fake_clock) -> None:
    """A city whose proposal track uses the workdays calendar: P5D is five working days of its hours."""
    from datetime import UTC, datetime

    from minsheng.directory.models import CityConfigRecord

    with db.session() as s:
        record = s.get(CityConfigRecord, "sla")
        assert record is not None
        document = dict(record.document)
        document["tracks"] = {**document["tracks"], "proposal": {**document["tracks"]["proposal"],
                                                                 "calendar": "workdays"}}
        record.document, record.checksum = document, "test-workdays-proposal"
    pid = setup(db, actors)  # Wednesday 2026-11-25 09:00 in Pinghu
    with db.read_session() as s:
        due = {c.stage: c.due_at for c in s.scalars(select(ProposalClock).where(ProposalClock.proposal_id == pid))}
    # 7 h left on Wednesday, 7.5 h on Thu, Fri, Mon, Tue: the last half hour on Wednesday 2 December
    assert due["sign"] == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    # 30 working days: 2027's holidays are not in the package nor in pinghu's overrides, so the SLA
    # calendar counts Monday to Friday (1 January included) and warns the admins about the year
    assert due["contact"] == datetime(2027, 1, 6, 1, 0, tzinfo=UTC)
