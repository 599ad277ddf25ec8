"""The delivery history of a case: every webhook and notification written for it, with each try."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases import present
from minsheng.cases.models import Case
from minsheng.directory.actors import Actor
from minsheng.events.models import OutboxMessage
from minsheng.integrations.models import DeliveryAttempt, IntakeLink, ReviewRequest


def deliveries(session: Session, case_id: int, topic: str | None = None) -> list[dict[str, Any]]:
    stmt = select(OutboxMessage).where(OutboxMessage.case_id == case_id)
    if topic:
        stmt = stmt.where(OutboxMessage.topic == topic)
    messages = list(session.scalars(stmt.order_by(OutboxMessage.id)))
    attempts: dict[int, list[DeliveryAttempt]] = {}
    if messages:
        for a in session.scalars(select(DeliveryAttempt).where(
                DeliveryAttempt.outbox_id.in_([m.id for m in messages])).order_by(DeliveryAttempt.id)):
            attempts.setdefault(a.outbox_id, []).append(a)
    return [_message_out(m, attempts.get(m.id, [])) for m in messages]


def _message_out(m: OutboxMessage, tries: list[DeliveryAttempt]) -> dict[str, Any]:
    payload = m.payload or {}
    to = payload.get("to") or {}
    return {
        "id": m.id, "topic": m.topic, "event": payload.get("event"),
        "target": payload.get("url") if m.topic == "webhook" else to.get("kind"),
        "created_at": m.created_at, "attempts": m.attempts, "delivered": m.delivered_at is not None,
        "delivered_at": m.delivered_at, "next_attempt_at": None if m.delivered_at else m.available_at,
        "last_error": m.last_error,
        "history": [{"at": a.at, "ok": a.ok, "status_code": a.status_code, "error": a.error,
                     "target": a.target, "duration_ms": a.duration_ms} for a in tries],
    }


def _case_extension(session: Session, case: Case, actor: Actor) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    link = session.get(IntakeLink, case.id)
    if link is not None:
        extra["handback"] = {"system": link.system, "source_id": link.source_id,
                             "callback_url": link.callback_url,
                             "deliveries": deliveries(session, case.id, "webhook")}
    review = session.scalars(select(ReviewRequest).where(ReviewRequest.case_id == case.id)
                             .order_by(ReviewRequest.id.desc())).first()
    if review is not None:
        extra["review"] = {"id": review.id, "status": review.status, "rating": review.rating,
                           "comment": review.comment, "created_at": review.created_at}
    return extra


present.detail_extensions.append(_case_extension)
