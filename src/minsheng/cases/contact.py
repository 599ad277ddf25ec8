"""Revealing a citizen's name and phone: only for roles that need it, always audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from minsheng.cases.permissions import CONTACT_ROLES
from minsheng.cases.queries import get_case
from minsheng.cases.schemas import ContactOut
from minsheng.directory.actors import Actor
from minsheng.directory.audit import record_personal_data_view
from minsheng.errors import Forbidden


def reveal_contact(session: Session, case_id: int, actor: Actor, *, reason: str, now: datetime) -> ContactOut:
    if actor.role not in CONTACT_ROLES:
        raise Forbidden("该角色不能查看群众联系方式")
    case = get_case(session, actor, case_id)
    record_personal_data_view(session, actor, case.id, ["citizen_name", "citizen_phone"], now=now,
                              reason=reason)
    return ContactOut(citizen_name=case.citizen_name, citizen_phone=case.citizen_phone)
