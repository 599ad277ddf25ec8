"""Human-readable case numbers: local date + a daily sequence, e.g. 2026112500001."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, text
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
# Safe: the case that uses a number commits synchronously later, and its WAL flush covers the
# counter's earlier commit record; a number whose case is never committed is a gap.
_PG_RESERVE = text(
    "WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)) "
    "INSERT INTO case_number_counters (day, last) SELECT :day, :n FROM async_commit "
    "ON CONFLICT (day) DO UPDATE SET last = case_number_counters.last + :n RETURNING last"
)
MAX_BLOCK = 32  # numbers reserved at once by one process under sustained load
BURST_SECONDS = 1.0  # a reservation this soon after the previous one doubles the block


@dataclass
class _Block:
    next: int = 1
    last: int = 0
    size: int = 1
    reserved_at: float = 0.0


_blocks: dict[tuple[int, str], _Block] = {}
_lock = threading.Lock()


def _reserve(engine: Engine, day: str) -> int:
    """Next number of `day` from this process's block, reserving a new block when it runs out.

    Quiet: blocks of one, so numbers follow arrival order without gaps. Busy (reservations less
    than a second apart): the block doubles up to MAX_BLOCK, saving a round trip per intake; numbers
    from different processes then interleave, and a process that stops leaves its unused ones as a gap.
    """
    key = (id(engine), day)
    with _lock:
        block = _blocks.setdefault(key, _Block())
        if block.next <= block.last:
            block.next += 1
            return block.next - 1
        now = time.monotonic()
        size = min(block.size * 2, MAX_BLOCK) if now - block.reserved_at < BURST_SECONDS else 1
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            last = int(conn.execute(_PG_RESERVE, {"day": day, "n": size}).scalar_one())
        block.next, block.last, block.size, block.reserved_at = last - size + 2, last, size, now
        for old in [k for k in _blocks if k[0] == key[0] and k[1] != day]:
            del _blocks[old]  # yesterday's leftovers
        return last - size + 1


def forget_reserved() -> None:
    """Drop this process's reserved numbers (tests that empty the counters call it)."""
    with _lock:
        _blocks.clear()


def next_case_number(session: Session, now: datetime) -> str:
    """Allocate the next number of the local day.

    On PostgreSQL the counter is bumped outside the caller's transaction (see _PG_RESERVE and
    _reserve) so that concurrent intakes do not queue behind one row lock until their commits (a
    rolled-back intake leaves a gap, as hotline numbering does). SQLite serialises writers anyway,
    so there it stays in the caller's transaction.
    """
    day = as_utc(now).astimezone(SHANGHAI).strftime("%Y%m%d")
    if is_postgres(session):
        last = _reserve(session.get_bind().engine, day)
    else:
        last = session.execute(_UPSERT, {"day": day}).scalar_one()
    return f"{day}{last:05d}"
