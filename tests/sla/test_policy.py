from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minsheng.directory.config import demo_config_dir, load_city_config
from minsheng.sla.calendar import build_calendars
from minsheng.sla.policy import (
    ClockEvent,
    ClockState,
    Op,
    Stage,
    StageClock,
    clock_events_for,
    compute_clocks,
    track_stages,
)

SLA = load_city_config(demo_config_dir()).sla
CALS = build_calendars(SLA)
FAST, NORMAL, PROPOSAL = SLA.tracks["fast"], SLA.tracks["normal"], SLA.tracks["proposal"]
C24 = CALS["24x7"]
WORK = CALS["workdays"]
SH = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T + timedelta(seconds=seconds)


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def ev(op: Op, t: float, stage: Stage | None = None, **kw) -> ClockEvent:
    return ClockEvent(at(t), op, stage, **kw)


def clock(clocks: list[StageClock], stage: Stage, round: int = 1, unit: str | None = None) -> StageClock:
    [found] = [c for c in clocks if c.stage is stage and c.round == round and c.unit == unit]
    return found


def fast(events: list[ClockEvent], now: float) -> list[StageClock]:
    return compute_clocks(FAST, C24, events, at(now))


def test_tracks_have_their_stages() -> None:
    assert [s for s, _ in track_stages(FAST)] == [Stage.SIGN, Stage.DISPATCH, Stage.FEEDBACK]
    assert [s for s, _ in track_stages(NORMAL)] == [Stage.SIGN, Stage.FEEDBACK]
    assert [s for s, _ in track_stages(PROPOSAL)] == [Stage.SIGN, Stage.CONTACT, Stage.FEEDBACK]


def test_assignment_starts_every_clock_of_the_track() -> None:
    clocks = fast([ev(Op.START, 0)], now=30)
    assert [c.stage for c in clocks] == [Stage.SIGN, Stage.DISPATCH, Stage.FEEDBACK]
    sign = clock(clocks, Stage.SIGN)
    assert (sign.started_at, sign.deadline, sign.warn_at) == (T, at(60), at(48))
    assert sign.state is ClockState.OK and sign.remaining_seconds == 30 and sign.ticking
    assert clock(clocks, Stage.DISPATCH).deadline == at(300)
    assert clock(clocks, Stage.FEEDBACK).deadline == at(86400)
    assert compute_clocks(FAST, C24, [], at(10)) == []


@pytest.mark.parametrize(("now", "state", "remaining"), [
    (0, ClockState.OK, 60), (47.9, ClockState.OK, 12.1), (48, ClockState.WARNING, 12),
    (60, ClockState.WARNING, 0), (61, ClockState.OVERDUE, -1), (3600, ClockState.OVERDUE, -3540),
])
def test_running_states(now: float, state: ClockState, remaining: float) -> None:
    sign = clock(fast([ev(Op.START, 0)], now), Stage.SIGN)
    assert sign.state is state and sign.remaining_seconds == pytest.approx(remaining)


def test_stop_in_time_is_met_and_late_is_missed() -> None:
    met = clock(fast([ev(Op.START, 0), ev(Op.STOP, 60, Stage.SIGN)], now=500), Stage.SIGN)
    assert met.state is ClockState.MET and met.on_time is True and met.stopped_at == at(60)
    assert met.remaining_seconds == 0 and not met.ticking and not met.running
    late = clock(fast([ev(Op.START, 0), ev(Op.STOP, 61, Stage.SIGN)], now=500), Stage.SIGN)
    assert late.state is ClockState.MISSED and late.on_time is False


def test_suspension_pauses_and_moves_the_deadline() -> None:
    events = [ev(Op.START, 0), ev(Op.SUSPEND, 20), ev(Op.RESUME, 620)]
    paused = fast(events[:2], now=100)
    sign = clock(paused, Stage.SIGN)
    assert sign.state is ClockState.PAUSED and sign.remaining_seconds == 40 and not sign.ticking
    assert sign.deadline == at(140) and sign.paused_seconds == 80  # projected: if resumed now
    resumed = fast(events, now=630)
    sign = clock(resumed, Stage.SIGN)
    assert sign.deadline == at(660) and sign.warn_at == at(648) and sign.paused_seconds == 600
    assert sign.state is ClockState.OK and sign.remaining_seconds == 30
    assert clock(resumed, Stage.FEEDBACK).deadline == at(86400 + 600)


def test_suspension_after_the_deadline_does_not_undo_the_miss() -> None:
    events = [ev(Op.START, 0), ev(Op.SUSPEND, 90), ev(Op.RESUME, 200)]
    clocks = fast(events, now=150)
    assert clock(clocks, Stage.SIGN).state is ClockState.OVERDUE
    assert clock(clocks, Stage.SIGN).deadline == at(60)
    assert clock(clocks, Stage.DISPATCH).state is ClockState.PAUSED
    after = fast(events, now=250)
    assert clock(after, Stage.SIGN).deadline == at(60)
    assert clock(after, Stage.DISPATCH).deadline == at(200 + 300 - 90)


def test_warning_instant_is_before_a_later_pause() -> None:
    # Warned at 48 s; a pause from 50 s to 1000 s moves the deadline, not the past warning.
    sign = clock(fast([ev(Op.START, 0), ev(Op.SUSPEND, 50), ev(Op.RESUME, 1000)], now=1001), Stage.SIGN)
    assert sign.warn_at == at(48) and sign.deadline == at(1010) and sign.state is ClockState.WARNING


def test_extension_moves_the_deadline_and_keeps_the_reason() -> None:
    events = [ev(Op.START, 0), ev(Op.EXTEND, 3600, Stage.FEEDBACK, seconds=7200, reason="需协调供电公司")]
    feedback = clock(fast(events, now=4000), Stage.FEEDBACK)
    assert feedback.deadline == at(86400 + 7200) and feedback.limit_seconds == 86400 + 7200
    assert [(e.at, e.seconds, e.reason) for e in feedback.extensions] == [(at(3600), 7200, "需协调供电公司")]
    assert clock(fast(events, now=4000), Stage.SIGN).extensions == ()
    until = [ev(Op.START, 0), ev(Op.EXTEND, 3600, Stage.FEEDBACK, until=at(3 * 86400), reason="等待检测")]
    assert clock(fast(until, now=4000), Stage.FEEDBACK).deadline == at(3 * 86400)
    # An extension after the deadline revives the clock; a stop before the new deadline is met.
    late = [ev(Op.START, 0), ev(Op.EXTEND, 100, Stage.SIGN, seconds=120), ev(Op.STOP, 150, Stage.SIGN)]
    assert clock(fast(late, now=200), Stage.SIGN).state is ClockState.MET
    # Extending to an earlier instant, or by nothing, changes nothing.
    noop = [ev(Op.START, 0), ev(Op.EXTEND, 10, Stage.SIGN, until=at(30))]
    assert clock(fast(noop, now=20), Stage.SIGN).extensions == ()


def test_reopen_starts_fresh_clocks() -> None:
    events = [ev(Op.START, 0), ev(Op.STOP, 30, Stage.SIGN), ev(Op.STOP, 200, Stage.DISPATCH),
              ev(Op.STOP, 3600, Stage.FEEDBACK), ev(Op.START, 90000)]
    clocks = fast(events, now=90010)
    assert len(clocks) == 6
    assert all(c.state is ClockState.MET for c in clocks[:3])
    sign2 = clock(clocks, Stage.SIGN, round=2)
    assert sign2.started_at == at(90000) and sign2.deadline == at(90060) and sign2.state is ClockState.OK


def test_restart_of_a_running_stage_cancels_or_misses_the_old_clock() -> None:
    events = [ev(Op.START, 0), ev(Op.START, 30)]  # reassigned within the minute
    clocks = fast(events, now=40)
    first = clock(clocks, Stage.SIGN)
    assert first.state is ClockState.CANCELLED and first.on_time is None
    assert clock(clocks, Stage.SIGN, round=2).deadline == at(90)
    late = fast([ev(Op.START, 0), ev(Op.START, 100)], now=110)
    assert clock(late, Stage.SIGN).state is ClockState.MISSED
    assert clock(late, Stage.DISPATCH).state is ClockState.CANCELLED


def test_group_members_sign_on_their_own_clocks() -> None:
    events = [ev(Op.START, 0, unit="LEAD"), ev(Op.START, 0, Stage.SIGN, unit="CO"),
              ev(Op.STOP, 20, Stage.SIGN, unit="CO")]
    clocks = fast(events, now=70)
    assert clock(clocks, Stage.SIGN, unit="CO").state is ClockState.MET
    assert clock(clocks, Stage.SIGN, unit="LEAD").state is ClockState.OVERDUE
    assert clock(clocks, Stage.FEEDBACK, unit="LEAD").state is ClockState.OK


def test_working_hours_track() -> None:
    start = sh(2026, 3, 6, 17)  # Friday 17:00
    clocks = compute_clocks(NORMAL, WORK, [ClockEvent(start, Op.START)], sh(2026, 3, 7, 10))
    sign, feedback = clocks
    assert sign.deadline == sh(2026, 3, 9, 10)  # PT2H: half an hour on Friday, 1.5 h on Monday
    assert feedback.deadline == sh(2026, 3, 11, 17)  # P3D = three working days = 22.5 h
    assert sign.remaining_seconds == 5400 and not sign.ticking and sign.state is ClockState.OK
    assert sign.warn_at == sh(2026, 3, 9, 9, 36)  # 96 of 120 working minutes


def test_working_hours_pause_moves_the_deadline_by_counted_time() -> None:
    events = [ClockEvent(sh(2026, 3, 2, 9), Op.START), ClockEvent(sh(2026, 3, 2, 10), Op.SUSPEND),
              ClockEvent(sh(2026, 3, 2, 14), Op.RESUME)]
    sign = compute_clocks(NORMAL, WORK, events, sh(2026, 3, 2, 14, 10))[0]
    assert sign.deadline == sh(2026, 3, 2, 15) and sign.paused_seconds == 4 * 3600


def test_stop_during_lunch_after_a_noon_deadline_is_missed() -> None:
    events = [ClockEvent(sh(2026, 3, 2, 10), Op.START),
              ClockEvent(sh(2026, 3, 2, 12, 30), Op.STOP, Stage.SIGN)]
    sign = compute_clocks(NORMAL, WORK, events, sh(2026, 3, 2, 13))[0]
    assert sign.deadline == sh(2026, 3, 2, 12) and sign.state is ClockState.MISSED


# --- case actions → clock events -------------------------------------------------------------


def run(actions: list[tuple[str, float, dict]], now: float) -> list[StageClock]:
    events = [e for name, s, kw in actions for e in clock_events_for(name, at(s), **kw)]
    return fast(events, now)


def test_a_fast_case_met_end_to_end() -> None:
    clocks = run([("assign", 0, {"unit": "U"}), ("sign", 40, {}), ("dispatch_team", 200, {}),
                  ("arrive", 900, {}), ("feedback", 5000, {}), ("approve", 6000, {})], now=7000)
    assert [(c.stage, c.state) for c in clocks] == [
        (Stage.SIGN, ClockState.MET), (Stage.DISPATCH, ClockState.MET), (Stage.FEEDBACK, ClockState.MET)]
    assert all(c.unit == "U" for c in clocks)


def test_feedback_without_a_team_cancels_dispatch_unless_already_missed() -> None:
    quick = run([("assign", 0, {}), ("sign", 10, {}), ("feedback", 200, {})], now=300)
    assert clock(quick, Stage.DISPATCH).state is ClockState.CANCELLED
    slow = run([("assign", 0, {}), ("sign", 10, {}), ("feedback", 400, {})], now=500)
    assert clock(slow, Stage.DISPATCH).state is ClockState.MISSED


def test_return_counts_as_a_response_to_sign_for() -> None:
    clocks = run([("assign", 0, {}), ("return", 30, {})], now=100)
    assert clock(clocks, Stage.SIGN).state is ClockState.MET
    assert clock(clocks, Stage.FEEDBACK).state is ClockState.CANCELLED


def test_reject_restarts_only_the_feedback_clock() -> None:
    clocks = run([("assign", 0, {}), ("sign", 10, {}), ("feedback", 100, {}), ("reject", 200, {})], now=300)
    assert len(clocks) == 4
    fresh = clock(clocks, Stage.FEEDBACK, round=2)
    assert fresh.started_at == at(200) and fresh.deadline == at(200 + 86400) and fresh.running


def test_extend_and_suspend_actions() -> None:
    clocks = run([("assign", 0, {}), ("sign", 10, {}), ("suspend", 100, {}), ("resume", 400, {}),
                  ("extend", 500, {"stage": "feedback", "seconds": 3600, "reason": "延期"})], now=600)
    assert clock(clocks, Stage.FEEDBACK).deadline == at(86400 + 300 + 3600)
    assert clock(clocks, Stage.DISPATCH).deadline == at(600)
    assert clock_events_for("callback", T) == [] and clock_events_for("escalate", T) == []


# --- the clock against a brute-force second-by-second count ---------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=120), max_size=8), st.integers(min_value=0, max_value=900))
def test_pauses_against_brute_force(gaps: list[int], now: int) -> None:
    # suspend, resume, suspend, … up to now (later events are the future: not yet known)
    toggles = [t for t in (sum(gaps[: i + 1]) for i in range(len(gaps))) if t <= now]
    events = [ev(Op.START, 0)]
    events += [ev(Op.SUSPEND if i % 2 == 0 else Op.RESUME, t) for i, t in enumerate(toggles)]
    clocks = fast(events, now)

    def active(second: int) -> bool:  # is the second [s, s+1) counted?
        return sum(1 for t in toggles if t <= second) % 2 == 0

    horizon = max([now, *toggles]) + 1000
    used = [0]
    for second in range(horizon):
        used.append(used[-1] + active(second))
    for stage, limit in [(Stage.SIGN, 60), (Stage.DISPATCH, 300)]:
        c = clock(clocks, stage)
        reached = next((d for d in range(horizon + 1) if used[d] == limit), None)
        paused_at_end = not active(now)
        # paused before the limit was used up: projected as if resumed now
        resumed_now = now + limit - used[now]
        deadline = reached if reached is not None and (reached <= now or not paused_at_end) else resumed_now
        assert c.deadline == at(deadline)
        assert c.remaining_seconds == limit - used[now]
        expected = (ClockState.OVERDUE if now > deadline else ClockState.PAUSED if paused_at_end
                    else ClockState.WARNING if used[now] >= 0.8 * limit else ClockState.OK)
        assert c.state is expected
        assert c.paused_seconds == now - used[now]


def test_events_after_now_are_not_yet_known() -> None:
    sign = clock(fast([ev(Op.START, 0), ev(Op.STOP, 30, Stage.SIGN)], now=20), Stage.SIGN)
    assert sign.state is ClockState.OK and sign.stopped_at is None


FRIDAY = sh(2026, 2, 13, 16)  # the eve of Spring Festival 2026, with a make-up Saturday after it


def _working_minute(minute: int) -> bool:
    local = (FRIDAY + timedelta(minutes=minute)).astimezone(SH)
    day_ok = WORK.is_working_day(local.date())
    return day_ok and any(a <= local.time() < b for a, b in WORK.hours)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=600), max_size=6),
       st.integers(min_value=0, max_value=3000))
def test_working_hours_pauses_against_brute_force(gaps: list[int], now: int) -> None:
    toggles = [t for t in (sum(gaps[: i + 1]) for i in range(len(gaps))) if t <= now]
    events = [ClockEvent(FRIDAY, Op.START)] + [
        ClockEvent(FRIDAY + timedelta(minutes=t), Op.SUSPEND if i % 2 == 0 else Op.RESUME)
        for i, t in enumerate(toggles)
    ]
    sign = compute_clocks(NORMAL, WORK, events, FRIDAY + timedelta(minutes=now))[0]

    def counted(minute: int) -> bool:
        return sum(1 for t in toggles if t <= minute) % 2 == 0 and _working_minute(minute)

    used = [0]
    for minute in range(now + 20000):
        used.append(used[-1] + counted(minute))
        if used[-1] == 120 and minute >= now:
            break
    assert sign.remaining_seconds == (120 - used[now]) * 60
    reached = next((d for d in range(len(used)) if used[d] == 120), None)
    paused = sum(1 for t in toggles if t <= now) % 2 == 1
    if reached is not None and (reached <= now or not paused):
        assert sign.deadline == FRIDAY + timedelta(minutes=reached)
    overdue = reached is not None and now > reached
    assert sign.state is (ClockState.OVERDUE if overdue else ClockState.PAUSED if paused else
                          ClockState.WARNING if used[now] >= 96 else ClockState.OK)
