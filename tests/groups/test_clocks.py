"""Each member's own clocks (pure): deadlines from the track, states at any instant, pauses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minsheng.groups.clocks import (
    ContinuousCalendar,
    Limits,
    after_pause,
    deadlines,
    limits_from_sla,
    member_clock,
)

CAL = ContinuousCalendar()
T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def clock(now: float, done: float | None = None, ended: float | None = None, paused: bool = False):
    return member_clock(CAL, "sign", T0, at(100), at(done) if done is not None else None, at(now), warn_at=0.8,
                        ended_at=at(ended) if ended is not None else None, paused=paused)


def test_limits_come_from_the_track_of_the_loaded_sla_document() -> None:
    sla = {"tracks": {"fast": {"sign": 60, "dispatch": 300, "feedback": 86400, "warn_at": 0.8},
                      "normal": {"sign": 7200, "feedback": 259200}}}
    assert limits_from_sla(sla, "fast") == Limits(60, 86400, 0.8)
    assert limits_from_sla(sla, "normal") == Limits(7200, 259200, 0.8)
    assert limits_from_sla(sla, "missing") == Limits(None, None, 0.8)
    assert deadlines(CAL, Limits(60, 86400), T0) == (at(60), at(86400))
    assert deadlines(CAL, Limits(None, 86400), T0) == (None, at(86400))


@pytest.mark.parametrize(("now", "done", "ended", "paused", "state"), [
    (10, None, None, False, "ok"),
    (80, None, None, False, "warning"),  # 80% of the limit
    (101, None, None, False, "overdue"),
    (50, None, None, True, "paused"),
    (150, None, None, True, "overdue"),  # pausing does not undo a miss
    (120, 90, None, False, "met"),
    (120, 100, None, False, "met"),  # on the deadline is on time
    (120, 110, None, False, "missed"),
    (50, 90, None, False, "ok"),  # seen before it was done
    (120, None, 60, False, "cancelled"),  # the member left in time
    (120, None, 110, False, "missed"),  # it left after missing
])
def test_states(now, done, ended, paused, state) -> None:
    assert clock(now, done, ended, paused).state == state


def test_on_time_and_remaining() -> None:
    assert clock(120, done=90).on_time is True and clock(120, done=110).on_time is False
    assert clock(10).on_time is None
    assert clock(30).remaining_seconds == 70 and clock(130).remaining_seconds == -30
    assert clock(130, done=90).remaining_seconds == 10  # frozen when done
    assert member_clock(CAL, "part", T0, None, None, at(5)) is None  # no limit, no clock


def test_a_pause_moves_a_running_deadline_by_the_paused_time() -> None:
    assert after_pause(CAL, at(100), at(20), at(80)) == at(160)
    assert after_pause(CAL, None, at(20), at(80)) is None
    assert after_pause(CAL, at(100), at(80), at(20)) == at(100)  # never backwards


@given(st.integers(0, 500), st.one_of(st.none(), st.integers(0, 500)), st.one_of(st.none(), st.integers(0, 500)))
def test_a_clock_is_met_only_when_done_by_its_deadline_and_first(now, done, ended) -> None:
    c = clock(now, done, ended)
    seen_done = done is not None and done <= now
    seen_end = ended is not None and ended <= now
    assert (c.state == "met") == (seen_done and done <= 100 and (not seen_end or done <= ended))
    assert (c.state == "overdue") == (now > 100 and not seen_done and not seen_end)
    assert (c.state == "cancelled") == (seen_end and ended <= 100 and (not seen_done or ended < done))
    assert c.state in ("ok", "warning", "overdue") or seen_done or seen_end
