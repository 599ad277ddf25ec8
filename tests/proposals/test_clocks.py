"""Proposal deadlines (pure): the pinghu track's limits, warnings at 80%, states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from minsheng.directory.config import demo_config_dir, load_city_config
from minsheng.proposals.clocks import ClockState, Limits, Stage, on_time, plan, state

START = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)


def pinghu_limits() -> Limits:
    track = load_city_config(demo_config_dir()).sla.tracks["proposal"].model_dump()
    return Limits.from_track(track)


def test_the_pinghu_track_gives_5_30_and_90_days_with_warnings_at_80_percent() -> None:
    planned = {c.stage: c for c in plan(pinghu_limits(), START)}
    assert {s: c.due_at - START for s, c in planned.items()} == {
        Stage.SIGN: timedelta(days=5), Stage.CONTACT: timedelta(days=30), Stage.FEEDBACK: timedelta(days=90)}
    assert planned[Stage.CONTACT].warn_at - START == timedelta(days=24)
    assert planned[Stage.FEEDBACK].warn_at - START == timedelta(days=72)


def test_a_second_round_has_no_sign_clock() -> None:
    assert [c.stage for c in plan(pinghu_limits(), START, round_no=2)] == [Stage.CONTACT, Stage.FEEDBACK]


def test_a_stage_without_a_limit_has_no_clock() -> None:
    assert [c.stage for c in plan(Limits(None, 3600, None), START)] == [Stage.CONTACT]


def test_states_across_a_clock_life() -> None:
    due, warn = START + timedelta(days=30), START + timedelta(days=24)
    assert state(due, warn, START) is ClockState.OK
    assert state(due, warn, warn) is ClockState.WARNING
    assert state(due, warn, due) is ClockState.OVERDUE
    assert state(due, warn, due + timedelta(days=9), stopped_at=due) is ClockState.MET
    assert state(due, warn, due + timedelta(days=9), stopped_at=due + timedelta(seconds=1)) is ClockState.MISSED
    assert state(due, warn, START, cancelled=True) is ClockState.CANCELLED


@given(st.integers(min_value=60, max_value=400 * 86400), st.floats(min_value=0.05, max_value=0.95),
       st.integers(min_value=-400 * 86400, max_value=400 * 86400))
def test_warning_precedes_the_deadline_and_on_time_agrees_with_state(seconds: int, warn: float, offset: int) -> None:
    clock = plan(Limits(None, seconds, None, warn), START)[0]
    assert clock.started_at < clock.warn_at < clock.due_at
    now = START + timedelta(seconds=abs(offset))
    stopped = START + timedelta(seconds=abs(offset)) if offset < 0 else None
    result = state(clock.due_at, clock.warn_at, now, stopped_at=stopped)
    expected = {ClockState.MET: True, ClockState.MISSED: False, ClockState.OVERDUE: False}.get(result)
    assert on_time(clock.due_at, now, stopped) == expected
