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


# PostgreSQL: one autocommitted statement whose commit does not wait for the WAL flush
# (synchronous_commit off for this statement's own transaction only). The row lock on the day's
# counter is then held for microseconds, not for an fsync, so concurrent intakes do not queue on it.
# Safe: the case that uses the number commits synchronously later, and its WAL flush covers the
# counter's earlier commit record; if that case is never committed the number is a gap.
_PG_UPSERT = text(
    "WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)) "
    "INSERT INTO case_number_counters (day, last) SELECT :day, 1 FROM async_commit "
    "ON CONFLICT (day) DO UPDATE SET last = case_number_counters.last + 1 RETURNING last"
)


def next_case_number(session: Session, now: datetime) -> str:
    """Allocate the next number of the local day.

    On PostgreSQL the counter is bumped in its own tiny transaction (see _PG_UPSERT) so that
    concurrent intakes do not queue behind one row lock until their commits (a rolled-back intake
    leaves a gap, as hotline numbering does). SQLite serialises writers anyway, so it stays in the
    caller's transaction.
    """
    day = as_utc(now).astimezone(SHANGHAI).strftime("%Y%m%d")
    if is_postgres(session):
        engine = session.get_bind().engine
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            last = conn.execute(_PG_UPSERT, {"day": day}).scalar_one()
    else:
        last = session.execute(_UPSERT, {"day": day}).scalar_one()
    return f"{day}{last:05d}"
