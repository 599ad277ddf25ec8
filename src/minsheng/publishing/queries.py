"""Reading typical cases: the centre's working list and the published ones for the public."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.directory.actors import Actor
from minsheng.errors import Forbidden, InvalidField, NotFound
from minsheng.publishing import workflow as wf
from minsheng.publishing.models import TypicalCase, TypicalCaseEvent
from minsheng.publishing.service import allowed_for

SOURCE_LABELS = {"case": "群众诉求", "proposal": "建议提案"}


def _require_centre(actor: Actor) -> None:
    if not actor.sees_everything:
        raise Forbidden("典型案例由市中心管理")


def working_list(session: Session, actor: Actor, status: str | None = None) -> list[TypicalCase]:
    _require_centre(actor)
    stmt = select(TypicalCase).order_by(TypicalCase.id.desc()).limit(500)
    if status:
        if status not in wf.Status.__members__.values():
            raise InvalidField("status", f"未知状态 {status}")
        stmt = stmt.where(TypicalCase.status == status)
    return list(session.scalars(stmt))


def get(session: Session, actor: Actor, typical_case_id: int) -> TypicalCase:
    _require_centre(actor)
    tc = session.get(TypicalCase, typical_case_id)
    if tc is None:
        raise NotFound()
    return tc


def published(session: Session, topic: str | None = None) -> list[TypicalCase]:
    stmt = select(TypicalCase).where(TypicalCase.status == wf.Status.PUBLISHED.value)
    if topic:
        stmt = stmt.where(TypicalCase.topic == topic)
    return list(session.scalars(stmt.order_by(TypicalCase.published_at.desc(), TypicalCase.id.desc())))


def get_published(session: Session, typical_case_id: int) -> TypicalCase:
    tc = session.get(TypicalCase, typical_case_id)
    if tc is None or tc.status != wf.Status.PUBLISHED.value:
        raise NotFound("该案例未发布或不存在")
    return tc


def summary(tc: TypicalCase) -> dict[str, Any]:
    return {"id": tc.id, "source_kind": tc.source_kind, "source_label": SOURCE_LABELS[tc.source_kind],
            "source_id": tc.source_id, "source_ref": tc.source_ref, "status": tc.status,
            "status_label": wf.STATUS_LABELS[tc.status], "title": tc.title, "topic": tc.topic,
            "unit_name": tc.unit_name, "created_at": tc.created_at, "published_at": tc.published_at}


def detail(session: Session, tc: TypicalCase, actor: Actor) -> dict[str, Any]:
    events = session.scalars(select(TypicalCaseEvent).where(TypicalCaseEvent.typical_case_id == tc.id)
                             .order_by(TypicalCaseEvent.id))
    return {
        **summary(tc), "reason": tc.reason, "body": tc.body, "proposed_title": tc.proposed_title,
        "proposed_body": tc.proposed_body, "return_reason": tc.return_reason,
        "nominated_by": tc.nominated_by_name, "edited_by": tc.edited_by_name, "approved_by": tc.approved_by_name,
        "allowed_actions": allowed_for(tc, actor),
        "timeline": [{"at": e.at, "action": e.action, "action_label": wf.ACTION_LABELS.get(e.action, e.action),
                      "from_status": e.from_status, "to_status": e.to_status, "actor_name": e.actor_name,
                      "note": e.note} for e in events],
    }
