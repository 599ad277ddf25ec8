"""Write side effects into the outbox inside the action's transaction.

Topics and payloads (the delivery side lives in integrations/):
- "notify": a message to people. payload = {"event": "<template key, e.g. case_assigned,
  sla_warning, sla_breach, case_accepted, case_answered>", "to": {"kind": "unit"|"user"|"citizen",
  "unit": code, "user_id": id, "roles": [...]}, "params": {...template fields...}}
- "webhook": a hand-back to a sending system. payload = {"url": ..., "event": ..., "body": {...}}
A dedupe_key makes enqueueing idempotent (the same key twice is written once).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from minsheng.db import insert_rows, insert_unless_exists
from minsheng.events.models import OutboxMessage


def enqueue(session: Session, topic: str, payload: dict[str, Any], *, now: datetime, case_id: int | None = None,
            dedupe_key: str | None = None) -> bool:
    """Write one outbox row in the caller's transaction; False when `dedupe_key` was already written.

    A plain INSERT (… ON CONFLICT DO NOTHING on the unique dedupe_key), not an ORM object: it runs
    in every case action's listeners, where a look-up query and a unit-of-work flush per message
    were a noticeable share of the intake's cost.
    """
    values = dict(topic=topic, case_id=case_id, dedupe_key=dedupe_key, payload=payload, created_at=now,
                  available_at=now, attempts=0)
    table: Table = OutboxMessage.__table__  # type: ignore[assignment]
    if dedupe_key is None:
        session.connection().execute(table.insert(), values)
        return True
    return insert_unless_exists(session, table, values, unique="dedupe_key")


def enqueue_many(session: Session, topic: str, messages: Sequence[tuple[dict[str, Any], int | None, str | None]], *,
                 now: datetime) -> None:
    """`enqueue` for many (payload, case_id, dedupe_key) messages in one statement; a dedupe_key
    already written is skipped, as there."""
    table: Table = OutboxMessage.__table__  # type: ignore[assignment]
    rows = [dict(topic=topic, case_id=case_id, dedupe_key=dedupe_key, payload=payload, created_at=now,
                 available_at=now, attempts=0) for payload, case_id, dedupe_key in messages]
    keyed = [row for row in rows if row["dedupe_key"] is not None]
    insert_rows(session, table, keyed, skip_conflicts_on="dedupe_key")
    insert_rows(session, table, [row for row in rows if row["dedupe_key"] is None])
