"""The supervisors' escalation board: open cases that are overdue or escalated, grouped by the
unit that holds them, with the clock that broke and how late it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from minsheng.cases import present
from minsheng.cases.models import Case
from minsheng.cases.schemas import CaseSummary
from minsheng.clock import as_utc
from minsheng.directory.actors import Actor
from minsheng.directory.service import case_scope

BROKEN = ("overdue", "missed")


@dataclass
class Late:
    case: CaseSummary
    stage: str | None  # the clock that broke, when the SLA domain reports one
    due_at: datetime | None
    late_seconds: float | None


@dataclass
class UnitGroup:
    unit: str | None
    unit_name: str
    items: list[Late] = field(default_factory=list)

    @property
    def worst(self) -> float:
        return max((i.late_seconds or 0.0 for i in self.items), default=0.0)


def _parse(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str) and value:
        try:
            return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def broken_clock(clocks: list[dict[str, Any]], now: datetime) -> tuple[str | None, datetime | None, float | None]:
    """The earliest-due broken clock: (stage, due_at, seconds late), or Nones when none is known."""
    broken = [(d, c) for c in clocks if c.get("state") in BROKEN and (d := _parse(c.get("due_at"))) is not None]
    if not broken:
        return None, None, None
    due, clock = min(broken, key=lambda pair: pair[0])
    end = _parse(clock.get("stopped_at")) or now
    return str(clock.get("stage")), due, max(0.0, (end - due).total_seconds())


def escalation_board(session: Session, actor: Actor, now: datetime, limit: int = 500) -> list[UnitGroup]:
    stmt = select(Case).where(Case.status != "closed", Case.merged.is_(False),
                              or_(Case.overdue.is_(True), Case.escalated.is_(True)))
    scope = case_scope(session, actor)
    if scope is not None:
        stmt = stmt.where(scope)
    cases = list(session.scalars(stmt.order_by(Case.id).limit(limit)))
    groups: dict[str | None, UnitGroup] = {}
    for summary in present.summaries(session, cases):
        stage, due, late = broken_clock(summary.clocks, now)
        key = summary.unit
        group = groups.setdefault(key, UnitGroup(key, summary.unit_name or "未派单（市中心）"))
        group.items.append(Late(summary, stage, due, late))
    for group in groups.values():
        group.items.sort(key=lambda i: -(i.late_seconds or 0.0))
    return sorted(groups.values(), key=lambda g: (-len(g.items), -g.worst))
