"""Each group member's own clocks (pure): sign-for, then its part (the lead's part is the joint feedback).

A member's clocks start when it joins the group (or when the case is reopened) with the limits of
the case's SLA track; the deadlines are kept on the member's row and moved on by the time the
case spends suspended. The state of a clock is computed here from the row and `now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

SIGN, PART = "sign", "part"
STAGE_LABELS = {SIGN: "签收", PART: "办理意见"}
STATE_LABELS = {"ok": "正常", "warning": "即将超时", "overdue": "已超时", "paused": "暂停计时",
                "met": "按时完成", "missed": "超时完成", "cancelled": "已取消"}


class Calendar(Protocol):
    """How time is counted (the SLA domain's calendars have this shape)."""

    def add(self, start: datetime, seconds: float | timedelta) -> datetime: ...

    def elapsed(self, start: datetime, end: datetime) -> float: ...

    def budget(self, seconds: int) -> timedelta: ...


class ContinuousCalendar:
    """Every second counts (24x7 tracks)."""

    def add(self, start: datetime, seconds: float | timedelta) -> datetime:
        return start + (seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds))

    def elapsed(self, start: datetime, end: datetime) -> float:
        return (end - start).total_seconds()

    def budget(self, seconds: int) -> timedelta:
        return timedelta(seconds=seconds)


@dataclass(frozen=True)
class Limits:
    """A track's limits for a member: sign-for, and its part (the track's feedback limit)."""

    sign_seconds: int | None
    part_seconds: int | None
    warn_at: float = 0.8


def limits_from_sla(sla: dict[str, Any] | None, track: str) -> Limits:
    """The member limits of `track` in the loaded `sla` document (city_config name="sla")."""
    spec = ((sla or {}).get("tracks") or {}).get(track) or {}
    return Limits(spec.get("sign"), spec.get("feedback"), float(spec.get("warn_at") or 0.8))


def deadlines(cal: Calendar, limits: Limits, started_at: datetime) -> tuple[datetime | None, datetime | None]:
    """(sign deadline, part deadline), both counted from `started_at`."""
    def due(seconds: int | None) -> datetime | None:
        return cal.add(started_at, cal.budget(seconds)) if seconds else None

    return due(limits.sign_seconds), due(limits.part_seconds)


def after_pause(cal: Calendar, deadline: datetime | None, paused_from: datetime, paused_to: datetime
                ) -> datetime | None:
    """A running deadline moved on by the counted time the case spent suspended."""
    if deadline is None:
        return None
    counted = max(cal.elapsed(paused_from, paused_to), 0.0)
    return cal.add(deadline, counted)


@dataclass(frozen=True)
class MemberClock:
    stage: str
    started_at: datetime
    deadline: datetime
    done_at: datetime | None
    state: str
    remaining_seconds: float
    warn_at: datetime | None = None

    @property
    def on_time(self) -> bool | None:
        return {"met": True, "missed": False}.get(self.state)

    def as_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "label": STAGE_LABELS[self.stage], "started_at": self.started_at,
                "deadline": self.deadline, "due_at": self.deadline, "warn_at": self.warn_at,
                "done_at": self.done_at, "state": self.state,
                "state_label": STATE_LABELS[self.state], "remaining_seconds": round(self.remaining_seconds)}


def member_clock(cal: Calendar, stage: str, started_at: datetime, deadline: datetime | None,
                 done_at: datetime | None, now: datetime, *, warn_at: float = 0.8,
                 ended_at: datetime | None = None, paused: bool = False) -> MemberClock | None:
    """The clock of one stage. `done_at`: the stage was done; `ended_at`: the member left or the
    group no longer needs the stage (cancelled, or missed if its deadline had already passed)."""
    if deadline is None:
        return None
    done = done_at if done_at is not None and done_at <= now else None
    ended = ended_at if ended_at is not None and ended_at <= now else None
    stop = min(t for t in (done, ended) if t is not None) if done or ended else None
    remaining = cal.elapsed(stop or now, deadline)
    total = cal.elapsed(started_at, deadline)
    warn = cal.add(started_at, warn_at * total) if total > 0 else None
    if stop is not None:
        state = "missed" if stop > deadline else "met" if stop == done else "cancelled"
    elif now > deadline:
        state = "overdue"
    elif paused:
        state = "paused"
    else:
        state = "warning" if warn is not None and now >= warn else "ok"
    return MemberClock(stage, started_at, deadline, done if stop == done else None, state, remaining, warn)
