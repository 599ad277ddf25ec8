"""Who a notification goes to: the citizen of a case, a user, or the users of a unit (by role)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.directory.models import Unit, User
from minsheng.integrations.notify.base import Recipient


def resolve(session: Session, to: dict[str, Any], case: Case | None) -> list[Recipient]:
    kind = to.get("kind")
    if kind == "citizen":
        if case is None or not case.citizen_phone:
            return []
        return [Recipient("citizen", case.citizen_name or "群众", case.citizen_phone)]
    if kind == "user":
        user = session.get(User, to.get("user_id")) if to.get("user_id") is not None else None
        if user is None or not user.active:
            return []
        return [Recipient("user", user.display_name or user.username, user.phone, user.id, user.unit_code)]
    if kind == "unit":
        code = to.get("unit") or (case.unit_code if case else None)
        unit = session.get(Unit, code) if code else None
        if unit is None:
            return []
        stmt = select(User).where(User.unit_code == unit.code, User.active.is_(True)).order_by(User.id)
        roles = to.get("roles")
        if roles:
            stmt = stmt.where(User.role.in_(list(roles)))
        users = list(session.scalars(stmt))
        if not users:  # nobody registered: address the unit itself (e.g. its duty phone via the webhook)
            return [Recipient("unit", unit.name, None, None, unit.code)]
        return [Recipient("user", u.display_name or u.username, u.phone, u.id, u.unit_code) for u in users]
    return []
