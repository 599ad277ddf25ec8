from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minsheng.directory.config import CalendarConfig, SlaFile, demo_config_dir, load_city_config
from minsheng.sla.calendar import (
    ContinuousCalendar,
    WorkingHoursCalendar,
    build_calendars,
    calendar_warnings,
)

SH = ZoneInfo("Asia/Shanghai")
HOURS = [(time(8, 30), time(12, 0)), (time(13, 30), time(17, 30))]
WORKDAY = 7.5 * 3600


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)


def pinghu() -> WorkingHoursCalendar:
    cal = build_calendars(load_city_config(demo_config_dir()).sla)["workdays"]
    assert isinstance(cal, WorkingHoursCalendar)
    return cal


CAL = pinghu()

# --- the named edges -------------------------------------------------------------------------


def test_results_are_utc_and_naive_input_is_refused() -> None:
    out = CAL.add(sh(2026, 3, 2, 9), 60)
    assert out.tzinfo is UTC and out == sh(2026, 3, 2, 9, 1)
    with pytest.raises(ValueError):
        CAL.add(datetime(2026, 3, 2, 9), 60)


def test_lunch_break() -> None:
    monday = date(2026, 3, 2)
    assert monday.weekday() == 0
    assert CAL.add(sh(2026, 3, 2, 11, 59), 120) == sh(2026, 3, 2, 13, 31)
    assert CAL.add(sh(2026, 3, 2, 11), 3600) == sh(2026, 3, 2, 12)  # earliest instant: not 13:30
    assert CAL.add(sh(2026, 3, 2, 12, 30), 1) == sh(2026, 3, 2, 13, 30, 1)
    assert CAL.subtract(sh(2026, 3, 2, 13, 31), 120) == sh(2026, 3, 2, 11, 59)
    assert CAL.subtract(sh(2026, 3, 2, 13, 30), 60) == sh(2026, 3, 2, 11, 59)
    assert CAL.elapsed(sh(2026, 3, 2, 11, 30), sh(2026, 3, 2, 14)) == 3600
    assert CAL.elapsed(sh(2026, 3, 2, 12, 5), sh(2026, 3, 2, 13, 25)) == 0
    assert not CAL.counts_at(sh(2026, 3, 2, 12, 30)) and CAL.counts_at(sh(2026, 3, 2, 13, 30))


def test_friday_evening() -> None:
    assert CAL.add(sh(2026, 3, 6, 17), 3600) == sh(2026, 3, 9, 9)
    assert CAL.add(sh(2026, 3, 6, 18), 2 * 3600) == sh(2026, 3, 9, 10, 30)  # PT2H sign-for
    assert CAL.elapsed(sh(2026, 3, 6, 17, 30), sh(2026, 3, 9, 8, 30)) == 0
    assert CAL.subtract(sh(2026, 3, 9, 8, 30), 1800) == sh(2026, 3, 6, 17)


def test_spring_festival_2026() -> None:
    # Off 15–23 February 2026; Saturday 14 February and Saturday 28 February are worked.
    assert CAL.is_working_day(date(2026, 2, 14)) and CAL.is_working_day(date(2026, 2, 28))
    assert not any(CAL.is_working_day(date(2026, 2, d)) for d in range(15, 24))
    # Friday 16:30 + 2 working hours: one hour on Friday, one on the make-up Saturday.
    assert CAL.add(sh(2026, 2, 13, 16, 30), 2 * 3600) == sh(2026, 2, 14, 9, 30)
    # Saturday 17:00 + 2 hours jumps the whole festival to Tuesday 24 February.
    assert CAL.add(sh(2026, 2, 14, 17), 2 * 3600) == sh(2026, 2, 24, 10)
    assert CAL.elapsed(sh(2026, 2, 13, 8, 30), sh(2026, 2, 25, 8, 30)) == 3 * WORKDAY
    assert CAL.subtract(sh(2026, 2, 24, 8, 30), 1) == sh(2026, 2, 14, 17, 29, 59)


def test_national_day_2026() -> None:
    assert not any(CAL.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    # Wednesday 30 September 17:00 + one working day (P1D, consult track): half an hour that
    # evening, then 7 hours on Thursday 8 October.
    assert CAL.budget(86400) == timedelta(seconds=WORKDAY)
    assert CAL.add(sh(2026, 9, 30, 17), CAL.budget(86400)) == sh(2026, 10, 8, 17)
    assert CAL.elapsed(sh(2026, 9, 30, 12), sh(2026, 10, 8, 12)) == 4 * 3600 + 3.5 * 3600


def test_make_up_saturday() -> None:
    assert CAL.is_working_day(date(2026, 10, 10)) and not CAL.is_working_day(date(2026, 10, 17))
    assert CAL.add(sh(2026, 10, 10, 9), 3600) == sh(2026, 10, 10, 10)
    assert CAL.add(sh(2026, 10, 17, 9), 3600) == sh(2026, 10, 19, 9, 30)
    assert CAL.is_working_day(date(2026, 9, 20))  # a make-up Sunday too


def test_unknown_year_counts_monday_to_friday_and_is_reported() -> None:
    seen: list[int] = []
    cal = WorkingHoursCalendar(HOURS, on_missing_year=seen.append)
    assert cal.missing_years() == []
    # 2026-12-31 is a Thursday; 2027-01-01 (a Friday) is unknown, so it counts as a working day.
    assert cal.add(sh(2026, 12, 31, 17), 3600) == sh(2027, 1, 1, 9)
    assert cal.missing_years() == [2027] and seen == [2027]
    cal.add(sh(2027, 1, 4, 9), 3 * 86400)
    assert seen == [2027]  # reported once
    assert cal.missing_years(range(2025, 2029)) == [2027, 2028]


def test_overrides_win_and_make_a_year_known() -> None:
    cfg = CalendarConfig.model_validate({
        "kind": "working_hours", "hours": [["08:30", "12:00"], ["13:30", "17:30"]], "holidays": "china",
        "overrides": {
            2027: {"holidays": ["2027-01-01"], "workdays": ["2027-01-09"]},
            2026: {"holidays": ["2026-03-02"], "workdays": ["2026-10-17"]},
        },
    })
    cal = WorkingHoursCalendar.from_config(cfg)
    assert cal.add(sh(2026, 12, 31, 17), 3600) == sh(2027, 1, 4, 9)
    assert cal.is_working_day(date(2027, 1, 9)) and not cal.is_working_day(date(2027, 1, 2))
    assert not cal.is_working_day(date(2026, 3, 2))  # beats the package
    assert cal.is_working_day(date(2026, 10, 17))
    assert not cal.is_working_day(date(2026, 10, 5))  # the package still holds for other dates
    assert cal.missing_years(range(2026, 2029)) == [2028]


def test_no_holidays_calendar_never_warns() -> None:
    cal = WorkingHoursCalendar(HOURS, china_holidays=False)
    assert cal.is_working_day(date(2026, 10, 1)) and cal.missing_years(range(2030, 2032)) == []


def test_admin_warning_for_missing_years() -> None:
    sla = load_city_config(demo_config_dir()).sla
    assert calendar_warnings(sla, date(2025, 6, 1)) == []
    [message] = calendar_warnings(sla, date(2026, 11, 25))
    assert "2027" in message and "workdays" in message
    patched = SlaFile.model_validate({
        **sla.model_dump(),
        "calendars": {**sla.model_dump()["calendars"],
                      "workdays": {**sla.calendars["workdays"].model_dump(), "overrides": {2027: {}}}},
    })
    assert calendar_warnings(patched, date(2026, 11, 25)) == []


def test_budget_whole_days_are_working_days() -> None:
    assert CAL.budget(3 * 86400) == timedelta(hours=22.5)
    assert CAL.budget(7200) == timedelta(hours=2)
    assert ContinuousCalendar().budget(3 * 86400) == timedelta(days=3)
    # Monday 10:00 + three working days → Thursday 10:00.
    assert CAL.add(sh(2026, 3, 2, 10), CAL.budget(3 * 86400)) == sh(2026, 3, 5, 10)


def test_bad_hours_are_refused() -> None:
    with pytest.raises(ValueError):
        WorkingHoursCalendar([])
    with pytest.raises(ValueError):
        WorkingHoursCalendar([(time(8), time(12)), (time(11), time(14))])


def test_continuous() -> None:
    cal = ContinuousCalendar()
    start = sh(2026, 2, 16, 23, 59, 30)
    assert cal.add(start, 60) == sh(2026, 2, 17, 0, 0, 30)
    assert cal.subtract(sh(2026, 2, 17, 0, 0, 30), 60) == start
    assert cal.elapsed(start, sh(2026, 2, 17)) == 30 and cal.counts_at(start)


# --- properties ------------------------------------------------------------------------------

LO, HI = datetime(2025, 12, 1, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC)
any_instant = st.datetimes(min_value=LO.replace(tzinfo=None), max_value=HI.replace(tzinfo=None)).map(
    lambda d: d.replace(tzinfo=UTC)
)
# Instants exactly on the edges of working time, where off-by-one mistakes live.
edges = st.builds(
    lambda day, t: datetime.combine(day, t, tzinfo=SH).astimezone(UTC),
    st.dates(min_value=LO.date(), max_value=HI.date() - timedelta(days=1)),
    st.sampled_from([time(0), time(8, 30), time(12), time(13, 30), time(17, 30)]),
)
instants = st.one_of(any_instant, edges)
whole_seconds = any_instant.map(lambda d: d.replace(microsecond=0))
spans = st.one_of(
    st.integers(min_value=0, max_value=20 * 86400),
    st.integers(min_value=0, max_value=100).map(lambda n: n * 1800),  # whole half-hours: land on edges
)
calendars = st.sampled_from([CAL, ContinuousCalendar()])
EPS = timedelta(microseconds=1)


@settings(max_examples=300, deadline=None)
@given(calendars, instants, spans)
def test_add_then_elapsed_gives_the_seconds_back_and_add_is_earliest(cal, start, seconds) -> None:
    end = cal.add(start, seconds)
    assert end >= start
    assert cal.elapsed(start, end) == seconds
    if seconds:
        assert cal.elapsed(start, end - EPS) < seconds


@settings(max_examples=300, deadline=None)
@given(calendars, instants, spans)
def test_subtract_then_elapsed_gives_the_seconds_back_and_subtract_is_latest(cal, end, seconds) -> None:
    start = cal.subtract(end, seconds)
    assert start <= end
    assert cal.elapsed(start, end) == seconds
    if seconds:
        assert cal.elapsed(start + EPS, end) < seconds


@settings(max_examples=200, deadline=None)
@given(calendars, instants, spans)
def test_add_and_subtract_are_inverse_up_to_uncounted_time(cal, start, seconds) -> None:
    back = cal.subtract(cal.add(start, seconds), seconds)
    assert back >= start and cal.elapsed(start, back) == 0
    assert cal.add(start, -seconds) == cal.subtract(start, seconds)


@settings(max_examples=200, deadline=None)
@given(calendars, instants, spans, spans)
def test_add_composes(cal, start, a, b) -> None:
    assert cal.add(cal.add(start, a), b) == cal.add(start, a + b)


@settings(max_examples=200, deadline=None)
@given(calendars, instants, instants, instants)
def test_elapsed_is_additive_and_antisymmetric(cal, a, b, c) -> None:
    assert cal.elapsed_delta(a, b) + cal.elapsed_delta(b, c) == cal.elapsed_delta(a, c)
    assert cal.elapsed_delta(a, b) == -cal.elapsed_delta(b, a)


def _working_minute(local: datetime) -> bool:
    """Independent oracle: the package's own is_workday (or Mon–Fri) and the Pinghu hours."""
    day = local.date()
    workday = chinese_calendar.is_workday(day) if day.year <= 2026 else day.weekday() < 5
    return workday and any(a <= local.time() < b for a, b in HOURS)


@settings(max_examples=60, deadline=None)
@given(whole_seconds.map(lambda d: d.replace(second=0)), st.integers(min_value=0, max_value=4 * 24 * 60))
def test_elapsed_matches_a_minute_by_minute_count(start, minutes) -> None:
    end = start + timedelta(minutes=minutes)
    expected = sum(
        _working_minute((start + timedelta(minutes=m)).astimezone(SH)) for m in range(minutes)
    )
    assert CAL.elapsed(start, end) == expected * 60
