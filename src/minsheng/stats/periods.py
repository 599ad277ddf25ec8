"""Local (Asia/Shanghai) day and month boundaries as UTC instants (pure)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from minsheng.clock import SHANGHAI, as_utc


def local_day_start(now: datetime) -> datetime:
    local = as_utc(now).astimezone(SHANGHAI)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def today(now: datetime) -> tuple[datetime, datetime]:
    start = local_day_start(now)
    return as_utc(start), as_utc(start + timedelta(days=1))


def this_month(now: datetime) -> tuple[datetime, datetime]:
    start = local_day_start(now).replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return as_utc(start), as_utc(following)


def last_days(now: datetime, days: int) -> tuple[datetime, datetime, list[date]]:
    """The `days` local days ending today (inclusive), as a UTC range and the list of dates."""
    end = local_day_start(now) + timedelta(days=1)
    start = end - timedelta(days=days)
    return as_utc(start), as_utc(end), [(start + timedelta(days=i)).date() for i in range(days)]
