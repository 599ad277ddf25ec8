"""Human-readable case numbers: local date + a daily sequence, e.g. 2026112500001."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from minsheng.clock import SHANGHAI, as_utc
from minsheng.db import is_postgres

_UPSERT = text(
    "INSERT INTO case_number_counters (day, last) VALUES (:day, 1) "
    "ON CONFLICT (day) DO UPDATE SET last = case_number_counters.last + 1 RETURNING last"
)


def next_case_number(session: Session, now: datetime) -> str:
    """Allocate the next number of the local day.

    On PostgreSQL the counter is bumped in its own short transaction so that concurrent intakes
    do not queue behind one row lock until their commits (a rolled-back intake leaves a gap, as
    hotline numbering does). SQLite serialises writers anyway, so it stays in the caller's
    transaction.
    """
    day = as_utc(now).astimezone(SHANGHAI).strftime("%Y%m%d")
    if is_postgres(session):
        engine = session.get_bind().engine
        with engine.begin() as conn:
            last = conn.execute(_UPSERT, {"day": day}).scalar_one()
    else:
        last = session.execute(_UPSERT, {"day": day}).scalar_one()
    return f"{day}{last:05d}"
