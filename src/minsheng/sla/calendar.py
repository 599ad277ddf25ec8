"""Counting SLA time: around the clock, or in working hours on China's working days. Pure, no I/O.

Every instant going in or out is an aware datetime; results are in UTC. Working hours are read in
the calendar's own timezone (Asia/Shanghai for Pinghu).

The three operations agree with each other:
- `add(start, s)` is the earliest instant by which `s` seconds have been counted from `start`;
- `subtract(end, s)` is the latest instant from which `s` seconds are counted up to `end`;
- `elapsed(a, b)` counts the seconds in [a, b) (negative when b is before a).

Which days are working days: the city's own list for a year (copied from the State Council's
notice) wins; then the chinese-calendar package for the years it knows; for any other year Monday
to Friday are counted, and the year is reported by `missing_years()` so that admins see a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from chinese_calendar.constants import holidays as CN_HOLIDAYS
from chinese_calendar.constants import workdays as CN_WORKDAYS

from minsheng.directory.config import CalendarConfig, SlaFile

DAY = 86400
ONE_DAY = timedelta(days=1)
PACKAGE_YEARS = frozenset(range(min(CN_HOLIDAYS).year, max(CN_HOLIDAYS).year + 1))


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("calendar arithmetic needs aware datetimes")
    return value.astimezone(UTC)


def _delta(seconds: float | timedelta) -> timedelta:
    return seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)


class Calendar(Protocol):
    """How an SLA clock counts time."""

    def add(self, start: datetime, seconds: float | timedelta) -> datetime: ...

    def subtract(self, end: datetime, seconds: float | timedelta) -> datetime: ...

    def elapsed(self, start: datetime, end: datetime) -> float: ...

    def elapsed_delta(self, start: datetime, end: datetime) -> timedelta: ...

    def counts_at(self, when: datetime) -> bool:
        """Is time being counted at this instant (a countdown is ticking)?"""
        ...

    def budget(self, seconds: int) -> timedelta:
        """A configured limit in counted time (working days for a working-hours calendar)."""
        ...


class ContinuousCalendar:
    """24x7: every second counts."""

    def add(self, start: datetime, seconds: float | timedelta) -> datetime:
        return _utc(start) + _delta(seconds)

    def subtract(self, end: datetime, seconds: float | timedelta) -> datetime:
        return _utc(end) - _delta(seconds)

    def elapsed_delta(self, start: datetime, end: datetime) -> timedelta:
        return _utc(end) - _utc(start)

    def elapsed(self, start: datetime, end: datetime) -> float:
        return self.elapsed_delta(start, end).total_seconds()

    def counts_at(self, when: datetime) -> bool:
        return True

    def budget(self, seconds: int) -> timedelta:
        return timedelta(seconds=seconds)


class WorkingHoursCalendar:
    """Working hours (e.g. 08:30–12:00, 13:30–17:30) on working days, in the calendar's timezone."""

    def __init__(
        self,
        hours: Iterable[tuple[time, time]],
        *,
        timezone: str = "Asia/Shanghai",
        china_holidays: bool = True,
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        override_years: Iterable[int] = (),
        on_missing_year: Callable[[int], None] | None = None,
    ) -> None:
        self.hours = sorted(hours)
        if not self.hours or any(a >= b for a, b in self.hours):
            raise ValueError("working hours must be non-empty (start, end) pairs with start < end")
        for (_, end), (start, _) in zip(self.hours, self.hours[1:], strict=False):
            if start < end:
                raise ValueError("working hours overlap")
        self.tz = ZoneInfo(timezone)
        self.china_holidays = china_holidays
        self.extra_holidays = frozenset(holidays)
        self.extra_workdays = frozenset(workdays)
        self.override_years = frozenset(override_years) | {d.year for d in (*holidays, *workdays)}
        self.on_missing_year = on_missing_year
        self._seen_missing: set[int] = set()
        self._cache: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        self.day_seconds = sum(
            (datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds()
            for a, b in self.hours
        )

    @classmethod
    def from_config(
        cls, config: CalendarConfig, on_missing_year: Callable[[int], None] | None = None
    ) -> WorkingHoursCalendar:
        holidays = [d for o in config.overrides.values() for d in o.holidays]
        workdays = [d for o in config.overrides.values() for d in o.workdays]
        return cls(
            config.hours,
            timezone=config.timezone,
            china_holidays=config.holidays == "china",
            holidays=holidays,
            workdays=workdays,
            override_years=config.overrides.keys(),
            on_missing_year=on_missing_year,
        )

    # --- which days count -------------------------------------------------------------------

    def year_known(self, year: int) -> bool:
        """Does this calendar know the year's holidays (or is it not meant to)?"""
        return not self.china_holidays or year in self.override_years or year in PACKAGE_YEARS

    def missing_years(self, years: Iterable[int] | None = None) -> list[int]:
        """Years counted Monday–Friday for want of a holiday list: the given ones, or those met so far."""
        if years is None:
            return sorted(self._seen_missing)
        return sorted({y for y in years if not self.year_known(y)})

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        if self.china_holidays:
            if day.year in PACKAGE_YEARS:
                return day in CN_WORKDAYS or (day.weekday() < 5 and day not in CN_HOLIDAYS)
            if day.year not in self.override_years and day.year not in self._seen_missing:
                self._seen_missing.add(day.year)
                if self.on_missing_year is not None:
                    self.on_missing_year(day.year)
        return day.weekday() < 5

    def intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working intervals of a local day, as UTC instants (empty on a day off)."""
        cached = self._cache.get(day)
        if cached is None:
            if self.is_working_day(day):
                cached = tuple(
                    (
                        datetime.combine(day, a, tzinfo=self.tz).astimezone(UTC),
                        datetime.combine(day, b, tzinfo=self.tz).astimezone(UTC),
                    )
                    for a, b in self.hours
                )
            else:
                cached = ()
            if len(self._cache) > 20000:
                self._cache.clear()
            self._cache[day] = cached
        return cached

    def _local_day(self, when: datetime) -> date:
        return when.astimezone(self.tz).date()

    # --- arithmetic -------------------------------------------------------------------------

    def add(self, start: datetime, seconds: float | timedelta) -> datetime:
        start, remaining = _utc(start), _delta(seconds)
        if remaining <= timedelta(0):
            return start if not remaining else self.subtract(start, -remaining)
        day = self._local_day(start)
        while True:
            for a, b in self.intervals(day):
                if b <= start:
                    continue
                begin = max(a, start)
                available = b - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += ONE_DAY

    def subtract(self, end: datetime, seconds: float | timedelta) -> datetime:
        end, remaining = _utc(end), _delta(seconds)
        if remaining <= timedelta(0):
            return end if not remaining else self.add(end, -remaining)
        day = self._local_day(end)
        while True:
            for a, b in reversed(self.intervals(day)):
                if a >= end:
                    continue
                finish = min(b, end)
                available = finish - a
                if remaining <= available:
                    return finish - remaining
                remaining -= available
            day -= ONE_DAY

    def elapsed_delta(self, start: datetime, end: datetime) -> timedelta:
        start, end = _utc(start), _utc(end)
        if end < start:
            return -self.elapsed_delta(end, start)
        total = timedelta(0)
        day, last = self._local_day(start), self._local_day(end)
        while day <= last:
            for a, b in self.intervals(day):
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += hi - lo
            day += ONE_DAY
        return total

    def elapsed(self, start: datetime, end: datetime) -> float:
        return self.elapsed_delta(start, end).total_seconds()

    def counts_at(self, when: datetime) -> bool:
        when = _utc(when)
        return any(a <= when < b for a, b in self.intervals(self._local_day(when)))

    def budget(self, seconds: int) -> timedelta:
        """Whole days (P3D) are working days of the configured hours; anything else is working time."""
        if seconds and seconds % DAY == 0:
            return timedelta(seconds=seconds // DAY * self.day_seconds)
        return timedelta(seconds=seconds)


def build_calendar(config: CalendarConfig, on_missing_year: Callable[[int], None] | None = None) -> Calendar:
    if config.kind == "continuous":
        return ContinuousCalendar()
    return WorkingHoursCalendar.from_config(config, on_missing_year)


def build_calendars(
    sla: SlaFile, on_missing_year: Callable[[int], None] | None = None
) -> dict[str, Calendar]:
    """One calendar per name in sla.yaml's `calendars`."""
    return {name: build_calendar(cfg, on_missing_year) for name, cfg in sla.calendars.items()}


def calendar_warnings(sla: SlaFile, today: date, years_ahead: int = 1) -> list[str]:
    """Admin warnings (Chinese) for working-hours calendars that lack this or next year's holidays."""
    messages = []
    years = range(today.year, today.year + years_ahead + 1)
    for name, cfg in sla.calendars.items():
        if cfg.kind != "working_hours":
            continue
        for year in WorkingHoursCalendar.from_config(cfg).missing_years(years):
            messages.append(
                f"日历“{name}”缺少 {year} 年的法定节假日安排：该年暂按周一至周五计算工作日。"
                f"请依据国务院办公厅通知，在 sla.yaml 的 calendars.{name}.overrides.{year} 中"
                "填写放假日期（holidays）和调休上班日期（workdays）。"
            )
    return messages
