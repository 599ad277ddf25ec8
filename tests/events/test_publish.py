"""Announcements reach listeners after commit, never on rollback (NOTIFY on PostgreSQL, broker on SQLite)."""

from __future__ import annotations

import queue

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
