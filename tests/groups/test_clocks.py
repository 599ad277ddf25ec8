"""Members' clocks are SLA clocks: the group's timeline lines, replayed with the case's, move them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from minsheng.directory.config import demo_config_dir, load_city_config
from minsheng.groups import clocks
from minsheng.sla.calendar import ContinuousCalendar
from minsheng.sla.clocks import replay, timeline_clock_events
from minsheng.sla.policy import ClockState, Op, Stage, compute_clocks

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
FAST = load_city_config(demo_config_dir()).sla.tracks["fast"]  # sign PT1M, dispatch PT5M, feedback PT24H


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def states(lines: list[tuple[float, str, dict]], now: float) -> dict[str, str]:
    events = replay([(at(s), action, data) for s, action, data in lines])
    return {c.key: c.state.value for c in compute_clocks(FAST, ContinuousCalendar(), events, at(now))}


def test_the_group_lines_are_registered_with_the_sla_replay() -> None:
    assert all(timeline_clock_events[action] is fn for action, fn in clocks.LINES.items())
    events = clocks.LINES["group_form"](T0, {"lead": "L", "members": ["A", "B"]})
    assert [(e.op, e.stage, e.unit) for e in events] == [
        (Op.START, Stage.SIGN, "A"), (Op.START, Stage.FEEDBACK, "A"),
        (Op.START, Stage.SIGN, "B"), (Op.START, Stage.FEEDBACK, "B")]
    assert clocks.LINES["group_leave_decision"](T0, {"unit": "A", "approve": False}) == []


def test_each_member_signs_and_answers_on_its_own_clock() -> None:
    lines = [(0, "assign", {"unit": "L"}), (0, "group_form", {"members": ["A", "B"]}),
             (30, "group_sign", {"unit": "A"}), (40, "sign", {"unit": "L"}), (3600, "group_part", {"unit": "A"})]
    got = states(lines, now=7200)
    assert got["sign:A:1"] == "met" and got["sign:L:1"] == "met"
    assert got["sign:B:1"] == "overdue"  # B never signed within the minute
    assert got["feedback:A:1"] == "met" and got["feedback:B:1"] == "ok" and got["feedback:L:1"] == "ok"
    assert "dispatch:A:1" not in got  # a co-unit has no dispatch clock of its own


def test_a_unit_that_leaves_stops_counting_and_one_added_later_starts_then() -> None:
    lines = [(0, "assign", {"unit": "L"}), (0, "group_form", {"members": ["A"]}),
             (20, "group_leave_decision", {"unit": "A", "approve": True}),
             (100, "group_add", {"unit": "C"})]
    events = replay([(at(s), a, d) for s, a, d in lines])
    clock_list = compute_clocks(FAST, ContinuousCalendar(), events, at(130))
    by_key = {c.key: c for c in clock_list}
    assert by_key["sign:A:1"].state is ClockState.CANCELLED and by_key["feedback:A:1"].state is ClockState.CANCELLED
    assert by_key["sign:C:1"].started_at == at(100) and by_key["sign:C:1"].deadline == at(160)
    assert by_key["sign:C:1"].state is ClockState.OK


def test_the_joint_feedback_and_approval_settle_every_clock() -> None:
    lines = [(0, "assign", {"unit": "L"}), (0, "group_form", {"members": ["A"]}), (10, "sign", {"unit": "L"}),
             (20, "group_sign", {"unit": "A"}), (50, "group_part", {"unit": "A"}), (60, "feedback", {}),
             (70, "approve", {})]
    got = states(lines, now=90000)
    assert {k: v for k, v in got.items() if not k.startswith("dispatch")} == {
        "sign:L:1": "met", "feedback:L:1": "met", "sign:A:1": "met", "feedback:A:1": "met"}


def test_reopening_restarts_the_members_clocks() -> None:
    lines = [(0, "assign", {"unit": "L"}), (0, "group_form", {"members": ["A"]}), (10, "group_sign", {"unit": "A"}),
             (20, "group_part", {"unit": "A"}), (30, "feedback", {}), (40, "approve", {}),
             (500, "reopen", {}), (500, "group_restart", {"units": ["A"]})]
    got = states(lines, now=510)
    assert got["sign:A:2"] == "ok" and got["feedback:A:2"] == "ok" and got["sign:L:2"] == "ok"
    assert got["sign:A:1"] == "met"
