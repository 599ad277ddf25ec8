"""Reading cases: filtered, scoped, keyset-paginated lists and one case with its timeline."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from minsheng.cases.models import Attachment, Case, CaseEvent
from minsheng.cases.workflow import Status
from minsheng.directory.actors import Actor
from minsheng.directory.service import case_scope
from minsheng.errors import InvalidField, NotFound


@dataclass
class CaseFilter:
    status: list[str] | None = None
    town: str | None = None
    unit: str | None = None
    category: str | None = None
    channel: str | None = None
    overdue: bool | None = None
    escalated: bool | None = None
    text: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    cursor: str | None = None
    limit: int = 50


def encode_cursor(case_id: int) -> str:
    return base64.urlsafe_b64encode(str(case_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise InvalidField("cursor", "分页游标无效") from None


def scoped(session: Session, actor: Actor, stmt: Select[Any]) -> Select[Any]:
    scope = case_scope(session, actor)
    return stmt if scope is None else stmt.where(scope)


def list_cases(session: Session, actor: Actor, f: CaseFilter) -> tuple[list[Case], str | None]:
    """Newest first; `next_cursor` continues after the last row (keyset, no OFFSET)."""
    stmt = scoped(session, actor, select(Case))
    if f.status:
        bad = [s for s in f.status if s not in Status.__members__.values()]
        if bad:
            raise InvalidField("status", f"未知状态 {bad[0]}")
        stmt = stmt.where(Case.status.in_(f.status))
    for column, value in ((Case.town_code, f.town), (Case.unit_code, f.unit),
                          (Case.category_code, f.category), (Case.channel, f.channel)):
        if value:
            stmt = stmt.where(column == value)
    if f.overdue is not None:
        stmt = stmt.where(Case.overdue.is_(f.overdue))
    if f.escalated is not None:
        stmt = stmt.where(Case.escalated.is_(f.escalated))
    if f.text:
        # the words as typed: % and _ are characters to find, not wildcards
        stmt = stmt.where(or_(Case.content.contains(f.text, autoescape=True),
                              Case.address.contains(f.text, autoescape=True), Case.number == f.text))
    if f.created_from:
        stmt = stmt.where(Case.created_at >= f.created_from)
    if f.created_to:
        stmt = stmt.where(Case.created_at < f.created_to)
    if f.cursor:
        stmt = stmt.where(Case.id < decode_cursor(f.cursor))
    rows: list[Case] = list(session.scalars(stmt.order_by(Case.id.desc()).limit(f.limit + 1)))
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    return rows, (encode_cursor(rows[-1].id) if more and rows else None)


def get_case(session: Session, actor: Actor, case_id: int) -> Case:
    case: Case | None = session.scalars(scoped(session, actor, select(Case).where(Case.id == case_id))).first()
    if case is None:
        raise NotFound()
    return case


def case_id_for_reference(session: Session, actor: Actor, reference: str) -> str:
    """What a person types to name a case: its number (13 digits, as on every page) or its id.
    A number becomes the id of the case the actor may see by it (InvalidField when there is none);
    anything else is left as typed (the action then says what is wrong with it)."""
    reference = reference.strip()
    if len(reference) == 13 and reference.isascii() and reference.isdigit():
        found = session.scalar(scoped(session, actor, select(Case.id).where(Case.number == reference)))
        if found is None:
            raise InvalidField("master_case_id", f"找不到编号为 {reference} 的案件")
        return str(found)
    return reference


def visible_ids(session: Session, actor: Actor, ids: list[int]) -> set[int]:
    """Those of `ids` that are cases this actor may see."""
    if not ids:
        return set()
    return set(session.scalars(scoped(session, actor, select(Case.id).where(Case.id.in_(ids)))))


def timeline(session: Session, case_id: int) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def attachments(session: Session, case_id: int) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)))
