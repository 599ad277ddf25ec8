"""Each group member's own clocks are SLA clocks, counted against the member's unit.

The lead's clocks are the case's (started by `assign`, stopped by `sign` and `feedback`). A
co-unit's sign-for and part (the SLA `feedback` stage) clocks start when it joins, and are
moved by the group's own timeline lines, replayed by the SLA domain with the case's
(`sla.clocks.timeline_clock_events`): so the SLA worker warns, breaches and escalates them like
any other clock (the ladder is the SLA one), and the units' on-time rates include them.
Pure: timeline line → clock events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from minsheng.sla.clocks import timeline_clock_events
from minsheng.sla.policy import ClockEvent, Op, Stage

MEMBER_STAGES = (Stage.SIGN, Stage.FEEDBACK)  # sign-for, then the member's part of the answer
STAGE_KEYS = {Stage.SIGN.value: "sign", Stage.FEEDBACK.value: "part"}
STAGE_LABELS = {"sign": "签收", "part": "办理意见"}
STATE_LABELS = {"ok": "正常", "warning": "即将超时", "overdue": "已超时", "paused": "暂停计时",
                "met": "按时完成", "missed": "超时完成", "cancelled": "已取消"}


def _start(at: datetime, units: Iterable[str]) -> list[ClockEvent]:
    return [ClockEvent(at, Op.START, stage, unit) for unit in units for stage in MEMBER_STAGES]


LINES: dict[str, Callable[[datetime, dict[str, Any]], list[ClockEvent]]] = {
    "group_form": lambda at, d: _start(at, d.get("members") or []),
    "group_add": lambda at, d: _start(at, [d["unit"]]),
    "group_restart": lambda at, d: _start(at, d.get("units") or []),  # the case was reopened
    "group_sign": lambda at, d: [ClockEvent(at, Op.STOP, Stage.SIGN, d["unit"])],
    "group_part": lambda at, d: [ClockEvent(at, Op.STOP, Stage.FEEDBACK, d["unit"])],
    "group_leave_decision": lambda at, d: [ClockEvent(at, Op.CANCEL, None, d["unit"])] if d.get("approve") else [],
}

for _action, _events in LINES.items():
    timeline_clock_events.setdefault(_action, _events)
