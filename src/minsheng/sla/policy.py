"""Stage clocks from a case's history. Pure: a track, a calendar, the clock events and `now` in;
each stage's clock (start, deadline, warning instant, paused time, state, remaining time) out.

Rules:
- Assignment starts a clock for every stage the track limits (sign, dispatch, contact, feedback),
  all counted from the assignment; each stops at its own action. Reassignment and reopening start
  fresh clocks; a rejected reply (退回重办) starts a fresh feedback clock.
- Suspension pauses every running clock: paused time is not counted, so the deadline moves by it.
  A clock already past its deadline stays overdue; pausing does not undo a miss.
- An approved extension (延期) adds counted time to a stage's limit, moving its deadline.
- A clock stopped by its deadline is met, after it missed; a clock no longer needed is cancelled
  (or missed, if its deadline had already passed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from minsheng.directory.config import TrackConfig
from minsheng.sla.calendar import Calendar

ZERO = timedelta(0)


class Stage(StrEnum):
    SIGN = "sign"
    DISPATCH = "dispatch"
    CONTACT = "contact"
    FEEDBACK = "feedback"


STAGE_LABELS = {
    Stage.SIGN: "签收", Stage.DISPATCH: "派驻力量", Stage.CONTACT: "联系代表委员", Stage.FEEDBACK: "反馈",
}


class ClockState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    OVERDUE = "overdue"
    PAUSED = "paused"
    MET = "met"
    MISSED = "missed"
    CANCELLED = "cancelled"


RUNNING = frozenset({ClockState.OK, ClockState.WARNING, ClockState.OVERDUE, ClockState.PAUSED})


class Op(StrEnum):
    START = "start"  # start clocks: every limited stage (stage=None) or one stage
    STOP = "stop"  # the stage is done
    CANCEL = "cancel"  # the stage is no longer needed
    SUSPEND = "suspend"
    RESUME = "resume"
    EXTEND = "extend"  # add `seconds` of counted time, or move the deadline to `until`


@dataclass(frozen=True)
class ClockEvent:
    at: datetime
    op: Op
    stage: Stage | None = None  # None: every stage
    unit: str | None = None  # None matches every unit's clock
    seconds: float = 0
    until: datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class Extension:
    at: datetime
    seconds: float
    reason: str


@dataclass(frozen=True)
class StageClock:
    stage: Stage
    unit: str | None
    round: int  # 1 for the first clock of this stage and unit, 2 after a restart, …
    started_at: datetime
    limit_seconds: float  # counted time allowed, extensions included
    deadline: datetime  # while paused: the deadline if resumed now
    warn_at: datetime
    paused_seconds: float  # wall-clock time spent suspended
    stopped_at: datetime | None
    state: ClockState
    remaining_seconds: float  # counted time left (negative once overdue)
    ticking: bool  # counted time is passing right now
    extensions: tuple[Extension, ...] = ()

    @property
    def running(self) -> bool:
        return self.state in RUNNING

    @property
    def on_time(self) -> bool | None:
        """True met, False missed, None still running or cancelled."""
        return {ClockState.MET: True, ClockState.MISSED: False}.get(self.state)

    @property
    def key(self) -> str:
        return f"{self.stage}:{self.unit or ''}:{self.round}"


def track_stages(track: TrackConfig) -> list[tuple[Stage, int]]:
    """The limited stages of a track, in order, with their configured limits in seconds."""
    limits = {Stage.SIGN: track.sign, Stage.DISPATCH: track.dispatch,
              Stage.CONTACT: track.contact, Stage.FEEDBACK: track.feedback}
    return [(stage, limit) for stage, limit in limits.items() if limit is not None]


@dataclass
class _Clock:
    stage: Stage
    unit: str | None
    round: int
    started_at: datetime
    limit: timedelta
    warn_at: float
    segments: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    extension: timedelta = ZERO
    extensions: list[Extension] = field(default_factory=list)
    stopped_at: datetime | None = None
    cancelled: bool = False

    @property
    def running(self) -> bool:
        return self.stopped_at is None

    @property
    def total(self) -> timedelta:
        return self.limit + self.extension

    def close_segment(self, at: datetime) -> None:
        if self.segments and self.segments[-1][1] is None:
            self.segments[-1] = (self.segments[-1][0], at)

    def consumed(self, cal: Calendar, now: datetime) -> timedelta:
        return sum((cal.elapsed_delta(s, min(e or now, now)) for s, e in self.segments if s < now), ZERO)

    def instant_of(self, cal: Calendar, target: timedelta, now: datetime) -> datetime:
        """When the counted time reaches `target` (projected from `now` if the clock is paused)."""
        before = ZERO
        for start, end in self.segments:
            if end is None:
                return cal.add(start, target - before)
            used = cal.elapsed_delta(start, end)
            if before + used >= target:
                return cal.add(start, target - before)
            before += used
        return cal.add(self.stopped_at or now, target - before)

    def paused(self, now: datetime) -> timedelta:
        if not self.segments:
            return (self.stopped_at or now) - self.started_at
        gaps = self.segments[0][0] - self.started_at
        for (_, end), (start, _) in zip(self.segments, self.segments[1:], strict=False):
            gaps += start - (end or start)
        last_end = self.segments[-1][1]
        if last_end is not None:
            gaps += (self.stopped_at or now) - last_end
        return gaps

    def view(self, cal: Calendar, now: datetime, suspended: bool) -> StageClock:
        deadline = self.instant_of(cal, self.total, now)
        warn_at = self.instant_of(cal, self.total * self.warn_at, now)
        remaining = self.total - self.consumed(cal, self.stopped_at or now)
        paused = self.running and suspended
        if self.stopped_at is not None:
            if self.stopped_at <= deadline:
                state = ClockState.CANCELLED if self.cancelled else ClockState.MET
            else:
                state = ClockState.MISSED
        elif now > deadline:
            state = ClockState.OVERDUE
        elif paused:
            state = ClockState.PAUSED
        elif now >= warn_at:
            state = ClockState.WARNING
        else:
            state = ClockState.OK
        return StageClock(
            stage=self.stage, unit=self.unit, round=self.round, started_at=self.started_at,
            limit_seconds=self.total.total_seconds(), deadline=deadline, warn_at=warn_at,
            paused_seconds=self.paused(now).total_seconds(), stopped_at=self.stopped_at, state=state,
            remaining_seconds=remaining.total_seconds(),
            ticking=self.running and not paused and cal.counts_at(now), extensions=tuple(self.extensions),
        )


def _matches(clock: _Clock, event: ClockEvent) -> bool:
    return clock.running and event.stage in (None, clock.stage) and event.unit in (None, clock.unit)


def compute_clocks(
    track: TrackConfig, calendar: Calendar, events: Iterable[ClockEvent], now: datetime
) -> list[StageClock]:
    """Every clock the events started up to `now`, oldest first, as they stand at `now`."""
    clocks: list[_Clock] = []
    rounds: dict[tuple[Stage, str | None], int] = {}
    limits = dict(track_stages(track))
    suspended = False
    for ev in sorted((e for e in events if e.at <= now), key=lambda e: e.at):
        if ev.op is Op.START:
            for clock in clocks:
                if _matches(clock, ClockEvent(ev.at, Op.CANCEL, ev.stage, ev.unit if ev.stage else None)):
                    clock.close_segment(ev.at)
                    clock.stopped_at, clock.cancelled = ev.at, True
            for stage, limit in limits.items():
                if ev.stage not in (None, stage):
                    continue
                key = (stage, ev.unit)
                rounds[key] = rounds.get(key, 0) + 1
                clock = _Clock(stage, ev.unit, rounds[key], ev.at, calendar.budget(limit), track.warn_at)
                if not suspended:
                    clock.segments.append((ev.at, None))
                clocks.append(clock)
        elif ev.op in (Op.STOP, Op.CANCEL):
            for clock in clocks:
                if _matches(clock, ev):
                    clock.close_segment(ev.at)
                    clock.stopped_at, clock.cancelled = ev.at, ev.op is Op.CANCEL
        elif ev.op is Op.SUSPEND and not suspended:
            suspended = True
            for clock in clocks:
                if clock.running:
                    clock.close_segment(ev.at)
        elif ev.op is Op.RESUME and suspended:
            suspended = False
            for clock in clocks:
                if clock.running:
                    clock.segments.append((ev.at, None))
        elif ev.op is Op.EXTEND:
            for clock in clocks:
                if _matches(clock, ev):
                    _extend(clock, calendar, ev)
    return [clock.view(calendar, now, suspended) for clock in clocks]


def _extend(clock: _Clock, calendar: Calendar, ev: ClockEvent) -> None:
    if ev.until is not None:
        current = clock.instant_of(calendar, clock.total, ev.at)
        added = calendar.elapsed_delta(current, ev.until)
    else:
        added = timedelta(seconds=ev.seconds)
    if added > ZERO:
        clock.extension += added
        clock.extensions.append(Extension(ev.at, added.total_seconds(), ev.reason))


# --- case actions → clock events ------------------------------------------------------------

_ALL = None


def clock_events_for(action: str, at: datetime, *, unit: str | None = None,
                     stage: str | None = None, seconds: float = 0, until: datetime | None = None,
                     reason: str = "") -> list[ClockEvent]:
    """What a case action (a workflow Action value, or `extend` / `contact`) does to the clocks.

    `unit` is the unit the action concerns (the newly assigned unit, or the unit signing for a
    group member's clock); `stage`, `seconds`/`until` and `reason` describe an approved extension.
    """
    def ev(op: Op, st: Stage | None = _ALL, u: str | None = None) -> ClockEvent:
        return ClockEvent(at, op, st, u, seconds, until, reason)

    table: dict[str, list[ClockEvent]] = {
        "assign": [ev(Op.START, _ALL, unit)],
        "reopen": [ev(Op.START, _ALL, unit)],
        "sign": [ev(Op.STOP, Stage.SIGN, unit)],
        "dispatch_team": [ev(Op.STOP, Stage.DISPATCH)],
        "contact": [ev(Op.STOP, Stage.CONTACT)],
        "feedback": [ev(Op.STOP, Stage.SIGN), ev(Op.CANCEL, Stage.DISPATCH), ev(Op.STOP, Stage.FEEDBACK)],
        "reject": [ev(Op.START, Stage.FEEDBACK, unit)],
        "return": [ev(Op.STOP, Stage.SIGN), ev(Op.CANCEL)],
        "approve": [ev(Op.CANCEL)],
        "answer_directly": [ev(Op.CANCEL)],
        "close": [ev(Op.CANCEL)],
        "merge": [ev(Op.CANCEL)],
        "suspend": [ev(Op.SUSPEND)],
        "resume": [ev(Op.RESUME)],
        "extend": [ev(Op.EXTEND, Stage(stage) if stage else _ALL)],
    }
    return table.get(action, [])
