"""db.insert_rows: many rows in the session's transaction, ids in order, JSON and UTC kept (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from minsheng.db import Database, insert_rows, make_engine
from minsheng.events.models import OutboxMessage


def _rows(n: int, at: datetime) -> list[dict]:
    return [dict(topic="notify", case_id=None, dedupe_key=f"test-insert-rows:{i}",
                 payload={"event": "测试", "n": i, "to": {"roles": ["supervisor"]}},
                 created_at=at, available_at=at + timedelta(seconds=i), attempts=0) for i in range(n)]


def test_rows_go_in_with_their_ids_in_order(db: Database) -> None:
    at = datetime(2026, 12, 3, 4, 5, 6, tzinfo=UTC)
    with db.session() as s:
        ids = insert_rows(s, OutboxMessage.__table__, _rows(5, at), return_ids=True)
    assert len(ids) == 5 and ids == sorted(ids) and len(set(ids)) == 5
    with db.read_session() as s:
        rows = {m.id: m for m in s.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))}
    for i, row_id in enumerate(ids):
        message = rows[row_id]
        assert message.payload == {"event": "测试", "n": i, "to": {"roles": ["supervisor"]}}
        assert message.available_at == at + timedelta(seconds=i)
        assert message.dedupe_key == f"test-insert-rows:{i}"


def test_a_failing_row_rolls_back_the_transaction(db: Database) -> None:
    at = datetime(2026, 12, 3, tzinfo=UTC)
    rows = _rows(3, at)
    rows[2]["dedupe_key"] = rows[0]["dedupe_key"]  # unique: the batch fails as a whole
    with pytest.raises((IntegrityError, psycopg.errors.UniqueViolation)), db.session() as s:
        insert_rows(s, OutboxMessage.__table__, rows)
    with db.read_session() as s:
        assert s.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("test-insert-rows:%"))).all() == []


def test_nothing_to_insert(db: Database) -> None:
    with db.session() as s:
        assert insert_rows(s, OutboxMessage.__table__, [], return_ids=True) == []


def _kill_backend(db: Database, pid: int) -> None:
    """Terminate one server process, as a restart or an idle timeout would."""
    with psycopg.connect(db.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        assert conn.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)


def _pid(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


@pytest.mark.postgres_only
def test_a_connection_idle_past_the_threshold_is_pinged_and_renewed(db: Database) -> None:
    engine = make_engine(db.url, pool_size=1, ping_after_idle_s=0.0)
    try:
        before = _pid(engine)
        _kill_backend(db, before)
        assert _pid(engine) != before  # the ping found the dead connection; the pool reconnected
    finally:
        engine.dispose()


@pytest.mark.postgres_only
def test_a_connection_used_a_moment_ago_is_not_pinged(db: Database) -> None:
    # the price of skipping the ping under load, pinned down: the one statement that meets a
    # connection lost within the window fails, and the pool is renewed for the next one
    engine = make_engine(db.url, pool_size=1, ping_after_idle_s=3600.0)
    try:
        _kill_backend(db, _pid(engine))
        with pytest.raises(OperationalError) as failed:
            _pid(engine)
        assert failed.value.connection_invalidated
        assert _pid(engine) > 0
    finally:
        engine.dispose()


def test_insert_rows_raises_sqlalchemys_errors_on_both_databases(db) -> None:
    """A refused row is SQLAlchemy's IntegrityError / DataError, as through the ORM, whichever way
    it went in (on PostgreSQL insert_rows writes through psycopg directly)."""
    from minsheng.directory.models import Unit

    table = Unit.__table__
    with db.session() as s:
        row = {k: v for k, v in s.execute(table.select().limit(1)).mappings().one().items()}
    with pytest.raises(IntegrityError), db.session() as s:
        insert_rows(s, table, [row])  # the same code again
    if db.is_postgres:
        with pytest.raises(DataError), db.session() as s:
            insert_rows(s, table, [{**row, "code": "NUL", "name": "a\x00b"}])
