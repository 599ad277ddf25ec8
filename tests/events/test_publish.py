"""Announcements reach listeners after commit, never on rollback (NOTIFY on PostgreSQL, broker on SQLite)."""

from __future__ import annotations

import queue
import time

import psycopg
import pytest

from minsheng.db import Database
from minsheng.events.publish import CHANNEL, announce, broker, unpacked


def _received(db: Database, act) -> list[dict]:  # type: ignore[no-untyped-def]
    if db.is_postgres:
        conn = psycopg.connect(db.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        conn.execute(f"LISTEN {CHANNEL}")
        try:
            act()
            got: list[dict] = []
            for note in conn.notifies(timeout=1.5):
                got.extend(unpacked(note.payload))  # announcements travel packed in JSON arrays
            return got
        finally:
            conn.close()
    q = broker.subscribe()
    try:
        act()
        got = []
        while True:
            try:
                got.append(q.get(timeout=0.5))
            except queue.Empty:
                return got
    finally:
        broker.unsubscribe(q)


def test_announce_after_commit_not_on_rollback(db: Database) -> None:
    def act() -> None:
        with db.session() as s:
            announce(s, "case", 1, action="sign")
        with pytest.raises(RuntimeError), db.session() as s:
            announce(s, "case", 2, action="assign")
            raise RuntimeError("rolled back")
        with db.session() as s:
            announce(s, "case", 3, action="feedback")
            announce(s, "case", 4, action="create")

    got = _received(db, act)
    assert [m["case_id"] for m in got] == [1, 3, 4]
    assert all(m["kind"] == "case" for m in got)


def _notifier_backends(db: Database, terminate: bool = False) -> int:
    """The notifier's connections to this database (backends that have sent a NOTIFY)."""
    with psycopg.connect(db.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        pids = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND query LIKE 'SELECT pg_notify%%'")]
        for pid in pids if terminate else []:
            conn.execute("SELECT pg_terminate_backend(%s)", [pid])
        return len(pids)


def _announce_twice(db: Database) -> None:
    for case_id in (1, 2):
        with db.session() as s:
            announce(s, "case", case_id, action="sign")


@pytest.mark.postgres_only
def test_the_notifier_keeps_one_connection_and_lets_it_go_with_the_engine(db: Database, backend: str) -> None:
    assert [m["case_id"] for m in _received(db, lambda: _announce_twice(db))] == [1, 2]
    assert _notifier_backends(db) == 1
    db.engine.dispose()
    deadline = time.monotonic() + 5
    while _notifier_backends(db) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _notifier_backends(db) == 0
    assert [m["case_id"] for m in _received(db, lambda: _announce_twice(db))] == [1, 2]  # connected again


@pytest.mark.postgres_only
def test_a_lost_notifier_connection_is_replaced_without_losing_announcements(db: Database, backend: str) -> None:
    assert [m["case_id"] for m in _received(db, lambda: _announce_twice(db))] == [1, 2]
    assert _notifier_backends(db, terminate=True) == 1  # as a database restart would
    assert [m["case_id"] for m in _received(db, lambda: _announce_twice(db))] == [1, 2]


def test_a_savepoint_released_does_not_send_what_waits_for_the_commit(db: Database) -> None:
    """SQLAlchemy fires after_commit when a savepoint is released, too: an announcement made
    inside one must still wait for the transaction's own commit (another process would otherwise
    look for a case not yet there)."""
    if db.is_postgres:
        conn = psycopg.connect(db.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        conn.execute(f"LISTEN {CHANNEL}")

        def so_far(wait: float) -> list[dict]:
            return [m for note in conn.notifies(timeout=wait) for m in unpacked(note.payload)]
    else:
        q = broker.subscribe()

        def so_far(wait: float) -> list[dict]:
            time.sleep(wait)
            got = []
            while not q.empty():
                got.append(q.get_nowait())
            return got
    try:
        with db.session() as s:
            with s.begin_nested():
                announce(s, "case", 41, action="create")
            early = so_far(0.8)
            announce(s, "case", 41, action="assign")
        late = so_far(1.5)
    finally:
        if db.is_postgres:
            conn.close()
        else:
            broker.unsubscribe(q)
    assert [m["action"] for m in early if m.get("case_id") == 41] == []
    assert [m["action"] for m in late if m.get("case_id") == 41] == ["create", "assign"]
