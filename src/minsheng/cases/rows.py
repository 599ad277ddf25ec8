"""Row access shared by the case actions: lock a case, require a field."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.db import for_update
from minsheng.errors import InvalidField, NotFound


def lock_case(session: Session, case_id: int) -> Case:
    case = session.scalars(for_update(select(Case).where(Case.id == case_id), session, fresh=True)).first()
    if case is None:
        raise NotFound()
    return case


def require(value: Any, field: str, label: str) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidField(field, f"请填写{label}")
    return value
