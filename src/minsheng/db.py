"""Engine, sessions and the few SQLite/PostgreSQL differences (they live here only)."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Select,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and drive them with psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        # SQLite: take the write lock at BEGIN so that read-then-write actions serialise cleanly.
        # Read-only sessions (execution option minsheng_read_only) take a plain deferred BEGIN.
        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            read_only = conn.get_execution_options().get("minsheng_read_only", False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        # pysqlite's own transaction handling must be off for BEGIN IMMEDIATE to work.
        @event.listens_for(engine, "connect", insert=True)
        def _sqlite_autocommit(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    ping_after = kwargs.pop("ping_after_idle_s", PING_AFTER_IDLE_S)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        ping_when_idle(engine, ping_after)
    return engine


# A pooled connection idle longer than this is pinged before use (a server restart or an idle
# timeout may have closed it). SQLAlchemy's pool_pre_ping pings before every use: under load, a
# round trip and a tenth of a web worker's CPU for connections used milliseconds ago. A connection
# that dies within this window fails the one statement that finds out; the disconnect then
# invalidates the whole pool, so the next checkouts reconnect.
PING_AFTER_IDLE_S = 1.0


def ping_when_idle(engine: Engine, after_s: float) -> None:
    @event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_conn: Any, record: Any) -> None:
        record.info["minsheng_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("minsheng_idle_since")
        if idle_since is None or time.monotonic() - idle_since < after_s:
            return  # just connected, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_conn, None):
                # the pool renews every connection it holds and checks out a new one
                raise InvalidatePoolError("connection lost while idle") from exc
            raise


_INSERT_IGNORING: dict[tuple[str, str, bool], Any] = {}


def insert_unless_exists(session: Session, table: Table, values: dict[str, Any], *, unique: str) -> bool:
    """INSERT … ON CONFLICT (unique) DO NOTHING, on either backend; True when the row was written.
    The statement is built once per table (values go as parameters, so its compiled form is cached)."""
    from sqlalchemy.dialects import sqlite

    pg = is_postgres(session)
    key = (table.name, unique, pg)
    stmt = _INSERT_IGNORING.get(key)
    if stmt is None:
        stmt = (postgresql.insert if pg else sqlite.insert)(table).on_conflict_do_nothing(index_elements=[unique])
        _INSERT_IGNORING[key] = stmt
    return bool(session.connection().execute(stmt, values).rowcount == 1)


def is_postgres(bind: Engine | Session) -> bool:
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return engine.dialect.name == "postgresql"


def in_ids(column: Any, ids: Iterable[int], session: Session) -> Any:
    """`column IN ids`; on PostgreSQL `= ANY(array)`: one parameter however many ids (batches of
    thousands would otherwise render, and parse, a placeholder each)."""
    values = list(ids)
    if is_postgres(session):
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(Integer)))
    return column.in_(values)


def committed_for_real(session: Session) -> bool:
    """In an `after_commit` listener: whether this is the transaction's commit, not a savepoint's
    release (SQLAlchemy fires after_commit for both). What waits for the commit (announcements,
    wake-ups) must not go out at a savepoint: another process would look before the data is there."""
    return not session.in_nested_transaction()


def for_update(stmt: Select[Any], session: Session, *, skip_locked: bool = False, fresh: bool = False) -> Select[Any]:
    """Row lock on PostgreSQL; SQLite already holds the database write lock (BEGIN IMMEDIATE).

    `fresh`: the objects read take the locked rows' values even when the session holds them
    already. Without it, a row this session read before the lock keeps the values it had then, so
    checks made "under the lock" would see the state from before another transaction committed.
    (Pending changes are flushed first by autoflush; do not use it inside `no_autoflush`.)"""
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    if is_postgres(session):
        return stmt.with_for_update(skip_locked=skip_locked)
    return stmt


class Database:
    """An engine with its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessionmaker = sessionmaker(
            self.engine.execution_options(minsheng_read_only=True), expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: commits on success, rolls back on error."""
        with self.sessionmaker() as session, session.begin():
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A transaction that only reads (on SQLite it does not take the write lock)."""
        with self.read_sessionmaker() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


_db: Database | None = None


def get_db() -> Database:
    global _db
    if _db is None:
        from minsheng.settings import get_settings

        _db = Database(get_settings().database_url)
    return _db


def set_db(db: Database | None) -> None:
    global _db
    _db = db


def local_date(session: Session, column: Any, offset_hours: int = 8) -> Any:
    """The calendar date of a UTC timestamp column at a fixed offset (Asia/Shanghai: +8, no DST)."""
    from sqlalchemy import Date, cast, func, literal_column

    if is_postgres(session):
        return cast(column + literal_column(f"interval '{int(offset_hours)} hours'"), Date)
    return func.date(column, f"+{int(offset_hours)} hours")


def seconds_between(session: Session, start: Any, end: Any) -> Any:
    """SQL expression: seconds from `start` to `end` (two timestamp columns)."""
    from sqlalchemy import func

    if is_postgres(session):
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


_MAX_PARAMETERS = 60_000  # PostgreSQL allows 65,535 per statement
_CACHED_ROWS = 64  # statements of up to this many rows are kept (an intake batch's, a notice burst's)


def insert_rows(session: Any, table: Any, rows: list[dict[str, Any]], *, return_ids: bool = False,
                skip_conflicts_on: str | None = None) -> list[int]:
    """INSERT many rows (same keys each) in the session's transaction; their ids, in order, if asked.
    `skip_conflicts_on`: a unique column; rows that collide on it are left out (ON CONFLICT DO NOTHING).

    On PostgreSQL one multi-row INSERT … VALUES per up to 60,000 parameters, straight through
    psycopg: nothing per row goes through SQLAlchemy's parameter processing (a large share of a
    timer burst's CPU), and there is one round trip however many rows. Elsewhere a Core executemany.
    """
    if not rows:
        return []
    assert not (return_ids and skip_conflicts_on), "skipped rows have no id"
    if not is_postgres(session):
        if skip_conflicts_on:
            from sqlalchemy.dialects import sqlite

            session.execute(sqlite.insert(table).on_conflict_do_nothing(index_elements=[skip_conflicts_on]), rows)
            return []
        if return_ids:
            statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
            return list(session.execute(statement, rows).scalars())
        session.execute(table.insert(), rows)
        return []
    from psycopg import Error as DriverError
    from psycopg import RawCursor
    from psycopg.types.json import Jsonb
    from sqlalchemy.exc import DBAPIError

    keys = tuple(rows[0])
    json_keys = _json_columns(table, keys)
    tail = f" ON CONFLICT ({table.c[skip_conflicts_on].name}) DO NOTHING" if skip_conflicts_on else ""
    tail += " RETURNING id" if return_ids else ""
    raw = session.connection().connection.driver_connection
    ids: list[int] = []
    per_statement = max(1, _MAX_PARAMETERS // len(keys))
    with RawCursor(raw) as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            params = [Jsonb(row[k]) if k in json_keys else row[k] for row in chunk for k in keys]
            build = _values_statement if len(chunk) <= _CACHED_ROWS else _values_statement.__wrapped__
            statement = build(table.name, keys, len(chunk), tail)
            try:
                cursor.execute(statement, params, prepare=False)
            except DriverError as exc:
                # raised as SQLAlchemy's own execution raises it (IntegrityError, DataError, …), so
                # callers and the API's handlers meet one kind of error however the row went in
                raise DBAPIError.instance(statement, None, exc, DriverError) from exc
            if return_ids:
                # a VALUES list is inserted in its order, and the serial ids are drawn in that order
                ids.extend(sorted(row[0] for row in cursor.fetchall()))
    return ids


@functools.lru_cache(maxsize=256)
def _json_columns(table: Table, keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(k for k in keys if isinstance(table.c[k].type, JSON))


@functools.lru_cache(maxsize=256)
def _values_statement(table: str, keys: tuple[str, ...], count: int, tail: str) -> str:
    """INSERT … VALUES with PostgreSQL's own $n placeholders, for a raw cursor: psycopg does not
    parse the text for placeholders (for statements of more than 50 parameters it does not cache
    that parsing, which cost more than the rest of the INSERT on the client)."""
    width = len(keys)
    values = ", ".join("(" + ", ".join(f"${row * width + i}" for i in range(1, width + 1)) + ")"
                       for row in range(count))
    return f"INSERT INTO {table} ({', '.join(keys)}) VALUES {values}{tail}"
