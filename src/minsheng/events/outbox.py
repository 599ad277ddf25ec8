"""Write side effects into the outbox inside the action's transaction.

Topics and payloads (the delivery side lives in integrations/):
- "notify": a message to people. payload = {"event": "<template key, e.g. case_assigned,
  sla_warning, sla_breach, case_accepted, case_answered>", "to": {"kind": "unit"|"user"|"citizen",
  "unit": code, "user_id": id, "roles": [...]}, "params": {...template fields...}}
- "webhook": a hand-back to a sending system. payload = {"url": ..., "event": ..., "body": {...}}
A dedupe_key makes enqueueing idempotent (the same key twice is written once).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.events.models import OutboxMessage


def enqueue(session: Session, topic: str, payload: dict[str, Any], *, now: datetime, case_id: int | None = None,
            dedupe_key: str | None = None) -> OutboxMessage | None:
    if dedupe_key is not None:
        existing = session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).first()
        if existing is not None:
            return None
    message = OutboxMessage(topic=topic, case_id=case_id, dedupe_key=dedupe_key, payload=payload, created_at=now,
                            available_at=now, attempts=0)
    session.add(message)
    return message
