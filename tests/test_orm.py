"""orm: instances built from column values behave as the constructor's and as loaded rows (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, select

from minsheng.db import Database, insert_rows
from minsheng.events.models import OutboxMessage
from minsheng.orm import loaded, unwritten


def _values(at: datetime) -> dict:
    return dict(topic="notify", case_id=None, dedupe_key="test-orm:1", payload={"event": "测试"},
                created_at=at, available_at=at, attempts=0)


def test_an_unwritten_instance_holds_what_the_constructor_would() -> None:
    at = datetime(2026, 12, 4, 8, tzinfo=UTC)
    built, constructed = unwritten(OutboxMessage, _values(at)), OutboxMessage(**_values(at))
    assert inspect(built).transient
    for key in _values(at):
        assert getattr(built, key) == getattr(constructed, key)
    assert built.id is None  # what was not given is unset, as with the constructor


def test_a_loaded_instance_is_persistent_clean_and_tracks_later_changes(db: Database) -> None:
    at = datetime(2026, 12, 4, 8, tzinfo=UTC)
    with db.session() as s:
        [row_id] = insert_rows(s, OutboxMessage.__table__, [_values(at)], return_ids=True)
        message = loaded(s, OutboxMessage, {"id": row_id, **_values(at)})
        state = inspect(message)
        assert state.persistent and not s.dirty and not s.new
        assert s.get(OutboxMessage, row_id) is message  # in the identity map: no second copy
        message.attempts = 3  # a change after attaching is written as usual
    with db.read_session() as s:
        stored = s.scalars(select(OutboxMessage).where(OutboxMessage.id == row_id)).one()
        assert (stored.attempts, stored.payload, stored.available_at) == (3, {"event": "测试"}, at)


def test_a_loaded_instance_needs_its_primary_key(db: Database) -> None:
    with pytest.raises(ValueError, match="primary key"), db.session() as s:
        loaded(s, OutboxMessage, _values(datetime(2026, 12, 4, tzinfo=UTC)))
