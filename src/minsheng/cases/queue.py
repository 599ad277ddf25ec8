"""The live queue: a viewer's open cases in four columns (new, waiting for sign-for, in progress,
overdue), newest first, with a count per column. Each open case is in exactly one column."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.directory.actors import Actor
from minsheng.directory.service import case_scope

COLUMNS = ("received", "assigned", "progress", "overdue")
IN_PROGRESS = ("signed", "dispatched", "on_site", "replied")


def column_of(case: Case) -> str | None:
    """The queue column of a case, or None when it is not in the queue (closed, merged duplicate)."""
    if case.status == "closed" or case.merged:
        return None
    if case.overdue:
        return "overdue"
    if case.status in ("received", "assigned"):
        return case.status
    return "progress"


def _column_condition(column: str) -> ColumnElement[bool]:
    if column == "overdue":
        return and_(Case.overdue.is_(True), Case.status != "closed", Case.merged.is_(False))
    statuses = IN_PROGRESS if column == "progress" else (column,)
    return and_(Case.status.in_(statuses), Case.overdue.is_(False), Case.merged.is_(False))


@dataclass
class QueueFilter:
    town: str | None = None
    track: str | None = None
    number: str | None = None


@dataclass
class Queue:
    rows: dict[str, list[Case]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def _filtered(session: Session, actor: Actor, column: str, f: QueueFilter) -> list[ColumnElement[bool]]:
    conditions = [_column_condition(column)]
    if f.town:
        conditions.append(Case.town_code == f.town)
    if f.track:
        conditions.append(Case.track == f.track)
    if f.number:
        conditions.append(or_(Case.number == f.number.strip(), Case.number.startswith(f.number.strip())))
    return conditions


def _scope(session: Session, actor: Actor) -> list[ColumnElement[bool]]:
    scope = case_scope(session, actor)
    return [] if scope is None else [scope]


def load_queue(session: Session, actor: Actor, f: QueueFilter | None = None, limit: int = 40) -> Queue:
    f, scope, queue = f or QueueFilter(), _scope(session, actor), Queue()
    for column in COLUMNS:
        conditions = [*scope, *_filtered(session, actor, column, f)]
        # newest first; the overdue column the longest overdue first (it is read from the top)
        order = Case.id.asc() if column == "overdue" else Case.id.desc()
        queue.rows[column] = list(session.scalars(select(Case).where(*conditions).order_by(order).limit(limit)))
        queue.counts[column] = int(session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0)
    return queue


def queue_counts(session: Session, actor: Actor) -> dict[str, int]:
    scope = _scope(session, actor)
    return {column: int(session.scalar(select(func.count()).select_from(Case)
                                       .where(*scope, _column_condition(column))) or 0)
            for column in COLUMNS}


def visible_case(session: Session, actor: Actor, case_id: int) -> Case | None:
    """The case if this actor may see it now, else None (for live updates)."""
    case: Case | None = session.scalars(select(Case).where(Case.id == case_id, *_scope(session, actor))).first()
    return case
