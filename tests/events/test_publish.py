"""Announcements reach listeners after commit, in order, and never after a rollback."""

from __future__ import annotations

import json

import psycopg
import pytest

from minsheng.db import Database
from minsheng.events.publish import CHANNEL, announce, broker


def _received(db: Database, body) -> list[str]:
    if db.is_postgres:
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            body()
            return [str(json.loads(n.payload)["case_id"]) for n in conn.notifies(timeout=1.0)]
    q = broker.subscribe()
    try:
        body()
        messages = []
        while not q.empty():
            messages.append(q.get_nowait())
        return [str(m["case_id"]) for m in messages]
    finally:
        broker.unsubscribe(q)


def test_announcements_arrive_after_commit_in_order(db: Database) -> None:
    def commit() -> None:
        with db.session() as s:
            for case_id in (3, 1, 2):
                announce(s, "case", case_id, action="escalate")

    assert _received(db, commit) == ["3", "1", "2"]


def test_nothing_is_announced_after_a_rollback(db: Database) -> None:
    def rollback() -> None:
        with pytest.raises(RuntimeError), db.session() as s:
            announce(s, "case", 9, action="sign")
            raise RuntimeError("the action failed")

    assert _received(db, rollback) == []
