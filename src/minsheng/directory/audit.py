"""The audit log of views of unmasked personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from minsheng.directory.actors import Actor
from minsheng.directory.models import AuditLog


def record_personal_data_view(session: Session, actor: Actor, case_id: int, fields: list[str], *,
                              now: datetime, reason: str = "", client: str = "api") -> None:
    session.add(AuditLog(at=now, user_id=actor.user_id, username=actor.username, action="view_contact",
                         case_id=case_id, fields=fields, reason=reason, client=client))
