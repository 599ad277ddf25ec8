"""The transition listener keeps clock rows and timers in step with each case action."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from minsheng.cases.models import Case
from minsheng.sla import clocks as clocks_module
from minsheng.sla.clocks import case_clocks, replay
from minsheng.sla.policy import ClockEvent, Op, Stage
from minsheng.sla.setup import sla_setup

SH = ZoneInfo("Asia/Shanghai")


def test_assignment_starts_the_fast_track_clocks_and_their_timers(cases, fake_clock) -> None:
    t0 = fake_clock.now()
    cid = cases.assigned("ZX-DH")
    clocks = cases.clocks(cid)
    assert sorted(clocks) == ["dispatch:ZX-DH:1", "feedback:ZX-DH:1", "sign:ZX-DH:1"]
    sign = clocks["sign:ZX-DH:1"]
    assert (sign.started_at, sign.deadline, sign.warn_at, sign.state) == (
        t0, t0 + timedelta(seconds=60), t0 + timedelta(seconds=48), "ok")
    assert sign.unit_code == "ZX-DH" and sign.town_code == "330482001"
    assert cases.timers(cid) == sorted([
        ("sign", "warn", t0 + timedelta(seconds=48)), ("sign", "breach", t0 + timedelta(seconds=60)),
        ("dispatch", "warn", t0 + timedelta(seconds=240)), ("dispatch", "breach", t0 + timedelta(seconds=300)),
        ("feedback", "warn", t0 + timedelta(hours=19.2)), ("feedback", "breach", t0 + timedelta(hours=24)),
    ])
    assert cases.case(cid).overdue is False


def test_a_created_case_has_no_clock_until_it_is_assigned(cases) -> None:
    cid = cases.create()
    assert cases.clocks(cid) == {} and cases.timers(cid) == []


def test_signing_stops_the_sign_clock_and_removes_its_timers(cases, fake_clock) -> None:
    t0 = fake_clock.now()
    cid = cases.assigned()
    fake_clock.advance(30)
    cases.act(cid, "sign")
    sign = cases.clocks(cid)["sign:ZX-DH:1"]
    assert sign.state == "met" and sign.stopped_at == t0 + timedelta(seconds=30)
    assert [t for t in cases.timers(cid) if t[0] == "sign"] == []
    assert len(cases.timers(cid)) == 4


def test_suspension_removes_timers_and_resumption_moves_them(cases, fake_clock) -> None:
    t0 = fake_clock.now()
    cid = cases.assigned()
    fake_clock.advance(20)
    cases.act(cid, "suspend", reason="等待群众补充材料")
    assert cases.timers(cid) == []
    assert {c.state for c in cases.clocks(cid).values()} == {"paused"}
    fake_clock.advance(600)
    cases.act(cid, "resume")
    sign = cases.clocks(cid)["sign:ZX-DH:1"]
    assert sign.deadline == t0 + timedelta(seconds=660) and sign.paused_seconds == 600
    assert ("sign", "breach", t0 + timedelta(seconds=660)) in cases.timers(cid)
    assert ("feedback", "breach", t0 + timedelta(hours=24, seconds=600)) in cases.timers(cid)


def test_a_full_lifecycle_leaves_no_pending_timer_and_reopen_starts_fresh_clocks(cases, fake_clock) -> None:
    cid = cases.assigned()
    for seconds, action, body in [(20, "sign", {}), (100, "dispatch_team", {"team": "T-DH-1"}),
                                  (600, "arrive", {}), (3000, "feedback", {"text": "已调解"}), (60, "approve", {})]:
        fake_clock.advance(seconds)
        cases.act(cid, action, **body)
    assert cases.timers(cid) == []
    assert {k: c.state for k, c in cases.clocks(cid).items()} == {
        "sign:ZX-DH:1": "met", "dispatch:ZX-DH:1": "met", "feedback:ZX-DH:1": "met"}
    fake_clock.advance(3600)
    cases.act(cid, "reopen", reason="群众不满意，要求重新处理")
    clocks = cases.clocks(cid)
    assert clocks["sign:ZX-DH:2"].state == "ok" and clocks["sign:ZX-DH:2"].started_at == fake_clock.now()
    assert len(cases.timers(cid)) == 6


def test_rows_match_a_recomputation_from_the_timeline(db, cases, fake_clock) -> None:
    cid = cases.assigned()
    fake_clock.advance(30)
    cases.act(cid, "sign")
    fake_clock.advance(400)  # dispatch is now overdue
    cases.act(cid, "feedback", text="已处理")
    with db.read_session() as s:
        case = s.get(Case, cid)
        setup = sla_setup(s)
        assert case is not None and setup is not None
        expected = {c.key: (c.state.value, c.deadline, c.stopped_at) for c in case_clocks(s, setup, case,
                                                                                           fake_clock.now())}
    assert {k: (c.state, c.deadline, c.stopped_at) for k, c in cases.clocks(cid).items()} == expected
    assert expected["dispatch:ZX-DH:1"][0] == "missed"


def test_the_working_hours_track_counts_only_working_time(cases, fake_clock) -> None:
    # Friday 2026-11-27 17:00 Shanghai; a normal-track category (市容环境, handled by ZFJ).
    fake_clock.set(datetime_sh(2026, 11, 27, 17))
    cid = cases.assigned("ZFJ", category="CG01")
    clocks = cases.clocks(cid)
    assert clocks["sign:ZFJ:1"].deadline == datetime_sh(2026, 11, 30, 10)  # PT2H: 0.5 h Fri + 1.5 h Mon
    assert clocks["feedback:ZFJ:1"].deadline == datetime_sh(2026, 12, 2, 17)  # three working days


def test_replay_follows_the_handling_unit() -> None:
    t = datetime_sh(2026, 11, 25, 9)
    events = replay([(t, "assign", {"unit": "A"}), (t, "return", {}), (t, "assign", {"unit": "B"}),
                     (t, "create", {}), (t, "reopen", {})])
    assert [(e.op.value, e.unit) for e in events][-1] == ("start", "B")


def test_other_domains_timeline_lines_move_clocks_through_the_registry() -> None:
    t = datetime_sh(2026, 11, 25, 9)

    def member_joins(at, data):
        return [ClockEvent(at, Op.START, Stage.SIGN, data["unit"])]

    clocks_module.timeline_clock_events["test_join"] = member_joins
    try:
        events = replay([(t, "assign", {"unit": "A"}), (t, "test_join", {"unit": "B"}), (t, "unknown", {})])
    finally:
        del clocks_module.timeline_clock_events["test_join"]
    assert [(e.op.value, e.stage, e.unit) for e in events] == [("start", None, "A"), ("start", Stage.SIGN, "B")]
    assert replay([(t, "test_join", {"unit": "B"})]) == []  # unregistered: ignored like any other line


def test_town_is_recorded_for_rates(db, cases) -> None:
    cid = cases.create(town="330482001")
    cases.act(cid, "assign", unit="ZX-DH")
    with db.read_session() as s:
        from minsheng.sla.models import SlaClock

        towns = set(s.scalars(select(SlaClock.town_code).where(SlaClock.case_id == cid)))
    assert towns == {"330482001"}


def datetime_sh(*args: int):
    from datetime import datetime

    return datetime(*args, tzinfo=SH)


def _clock_shape(cases, cid: int) -> dict[str, tuple]:  # type: ignore[no-untyped-def,type-arg]
    return {k: (c.stage, c.unit_code, c.town_code, c.track, c.started_at, c.local_day, c.deadline, c.warn_at,
                c.limit_seconds, c.remaining_seconds, c.paused_seconds, c.state, c.stopped_at, c.warned_at,
                c.breached_at) for k, c in cases.clocks(cid).items()}


def test_a_batch_assignment_gives_each_case_the_clocks_and_timers_of_a_single_one(db, cases, actors,
                                                                                 fake_clock) -> None:
    from minsheng.cases import workflow as wf
    from minsheng.cases.batch import do_action_many
    from minsheng.cases.schemas import ActionBody

    single = cases.assigned("ZX-DH")
    batch = [cases.create() for _ in range(4)]
    with db.session() as s:
        items = [(s.get(Case, cid), ActionBody(unit="ZX-DH")) for cid in batch]
        assert len(do_action_many(s, items, wf.Action.ASSIGN, actors["citydisp"], fake_clock.now())) == 4
    for cid in batch:
        assert _clock_shape(cases, cid) == _clock_shape(cases, single)
        assert cases.timers(cid) == cases.timers(single)


def test_clocks_written_in_a_transaction_move_with_a_later_action_in_it(db, actors, fake_clock) -> None:
    from minsheng.cases.schemas import ActionBody, CaseCreate
    from minsheng.cases.service import do_action, do_create_case
    from minsheng.sla.models import SlaClock

    with db.session() as s:  # create, assign and sign in one transaction: the sign clock the
        # assignment wrote (attached as loaded, not read back) is stopped by the signing
        case = do_create_case(s, CaseCreate(channel="12345", content="广场舞音响太吵", category="JC02"),
                              actors["calltaker"])
        do_action(s, case.id, "assign", ActionBody(unit="ZX-DH"), actors["citydisp"])
        fake_clock.advance(20)
        do_action(s, case.id, "sign", ActionBody(), actors["dh_disp"])
        cid = case.id
    with db.read_session() as s:
        sign = s.scalars(select(SlaClock).where(SlaClock.case_id == cid, SlaClock.stage == "sign")).one()
        assert sign.stopped_at == fake_clock.now() and sign.state == "met"
