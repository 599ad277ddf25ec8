"""Read side of the outbox: the messages (notifications, hand-backs) written about one case."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.events.models import OutboxMessage


def messages_for_case(session: Session, case_id: int, limit: int = 50) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id)
                                .order_by(OutboxMessage.id.desc()).limit(limit)))
