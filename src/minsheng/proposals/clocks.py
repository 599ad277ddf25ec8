"""Deadlines of a proposal's handling (pure): sign, first contact, written reply.

All clocks start at assignment (交办) or at the reopening for a second handling, with the limits of
the city's `proposal` SLA track (pinghu: sign P5D, contact P30D, feedback P90D, warn at 80%).
The track's counted time is added by `add_counted` (the SLA domain's calendar `add`): every second
for the 24x7 calendar the Pinghu proposal track uses, working hours on working days otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    SIGN = "sign"
    CONTACT = "contact"
    FEEDBACK = "feedback"  # the written reply delivered to the proposer


STAGE_LABELS = {"sign": "签收", "contact": "首次联系代表委员", "feedback": "书面答复"}
# Which stages a handling round runs: the second handling needs no new sign-for.
FIRST_ROUND = (Stage.SIGN, Stage.CONTACT, Stage.FEEDBACK)
LATER_ROUND = (Stage.CONTACT, Stage.FEEDBACK)


class ClockState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    OVERDUE = "overdue"
    MET = "met"
    MISSED = "missed"
    CANCELLED = "cancelled"


STATE_LABELS = {"ok": "正常", "warning": "临近时限", "overdue": "已超时", "met": "按时完成",
                "missed": "超时完成", "cancelled": "已取消"}


@dataclass(frozen=True)
class Limits:
    """The proposal track's limits in seconds (None: the stage has no clock)."""

    sign: int | None
    contact: int | None
    feedback: int | None
    warn_at: float = 0.8

    @classmethod
    def from_track(cls, track: dict[str, Any]) -> Limits:
        return cls(track.get("sign"), track.get("contact"), track.get("feedback"), float(track.get("warn_at", 0.8)))

    def seconds(self, stage: Stage) -> int | None:
        return {Stage.SIGN: self.sign, Stage.CONTACT: self.contact, Stage.FEEDBACK: self.feedback}[stage]


@dataclass(frozen=True)
class PlannedClock:
    stage: Stage
    started_at: datetime
    warn_at: datetime
    due_at: datetime


AddCounted = Callable[[datetime, float], datetime]


def continuous(start: datetime, seconds: float) -> datetime:
    return start + timedelta(seconds=seconds)


def plan(limits: Limits, start: datetime, round_no: int = 1, add_counted: AddCounted = continuous,
         ) -> list[PlannedClock]:
    """The clocks a handling round starts at `start`."""
    stages = FIRST_ROUND if round_no == 1 else LATER_ROUND
    result = []
    for stage in stages:
        seconds = limits.seconds(stage)
        if seconds is None:
            continue
        result.append(PlannedClock(stage, start, add_counted(start, seconds * limits.warn_at),
                                   add_counted(start, seconds)))
    return result


def state(due_at: datetime, warn_at: datetime, now: datetime, *, stopped_at: datetime | None = None,
          cancelled: bool = False) -> ClockState:
    if cancelled:
        return ClockState.CANCELLED
    if stopped_at is not None:
        return ClockState.MET if stopped_at <= due_at else ClockState.MISSED
    if now >= due_at:
        return ClockState.OVERDUE
    if now >= warn_at:
        return ClockState.WARNING
    return ClockState.OK


def on_time(due_at: datetime, now: datetime, stopped_at: datetime | None, cancelled: bool = False) -> bool | None:
    """For the measures: True met, False missed or overdue, None still running in time (or cancelled)."""
    if cancelled:
        return None
    if stopped_at is not None:
        return stopped_at <= due_at
    return False if now >= due_at else None
