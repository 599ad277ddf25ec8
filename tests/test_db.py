"""db.insert_rows: many rows in the session's transaction, ids in order, JSON and UTC kept (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from minsheng.db import Database, insert_rows
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
