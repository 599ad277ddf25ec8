"""Local day and month boundaries in Asia/Shanghai (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from minsheng.stats.periods import last_days, this_month, today


def test_today_is_the_shanghai_day() -> None:
    # 2026-11-25 17:30 UTC is 2026-11-26 01:30 in Shanghai
    start, end = today(datetime(2026, 11, 25, 17, 30, tzinfo=UTC))
    assert start == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)


def test_month_crosses_year_end() -> None:
    start, end = this_month(datetime(2026, 12, 31, 20, 0, tzinfo=UTC))  # already 2027-01-01 in Shanghai
    assert start == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2027, 1, 31, 16, 0, tzinfo=UTC)


def test_last_days_ends_today() -> None:
    start, end, dates = last_days(datetime(2026, 11, 25, 1, 0, tzinfo=UTC), 7)
    assert [str(d) for d in (dates[0], dates[-1])] == ["2026-11-19", "2026-11-25"]
    assert (end - start).days == 7
