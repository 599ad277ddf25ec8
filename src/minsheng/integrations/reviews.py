"""An unsatisfied citizen sends the case back to the centre: a review request the centre resolves.

Whoever records the rating (the citizen on the public page, or a call-taker on the phone), a
「不满意」 rating opens a review request, writes it on the timeline and notifies the centre's
supervisors and dispatchers. The centre either reopens the case (the core's reopen action, which
resolves the request here) or upholds the closing with a note.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases import hooks
from minsheng.cases.models import Case
from minsheng.cases.rows import lock_case, require
from minsheng.cases.service import ensure_visible, record_event
from minsheng.directory import service as directory
from minsheng.directory.actors import Actor
from minsheng.errors import Conflict, Forbidden, NotFound
from minsheng.events.outbox import enqueue
from minsheng.integrations.models import ReviewRequest

REVIEW_ROLES = frozenset({"supervisor", "city_dispatcher", "admin"})
CENTRE_ROLES = ["supervisor", "city_dispatcher"]


@hooks.on_transition
def review_on_rating(session: Session, t: hooks.Transition) -> None:
    case = t.case
    if t.action == "callback" and case.rating == "unsatisfied":
        review = ReviewRequest(case_id=case.id, rating=case.rating, comment=case.rating_comment,
                               source="citizen_page" if t.actor.role == "citizen" else "callback",
                               status="open", created_at=t.at)
        session.add(review)
        session.flush()
        record_event(session, case, "review_requested", t.actor, t.at, from_status=case.status,
                     note="群众不满意，转市中心复核" + (f"：{case.rating_comment}" if case.rating_comment else ""),
                     data={"review_id": review.id})
        enqueue(session, "notify",
                {"event": "review_requested",
                 "to": {"kind": "unit", "unit": directory.centre_unit(session).code, "roles": CENTRE_ROLES},
                 "params": {"number": case.number, "rating": case.rating, "comment": case.rating_comment or ""}},
                now=t.at, case_id=case.id, dedupe_key=f"notify:review:{review.id}")
    elif t.action == "reopen":
        for review in open_reviews(session, case.id):
            review.status, review.resolved_at, review.resolved_by = "reopened", t.at, t.actor.label
            review.resolution_note = t.data.get("reason")


def open_reviews(session: Session, case_id: int) -> list[ReviewRequest]:
    return list(session.scalars(select(ReviewRequest).where(
        ReviewRequest.case_id == case_id, ReviewRequest.status == "open").order_by(ReviewRequest.id)))


def do_uphold(session: Session, review_id: int, note: str | None, actor: Actor, *, now: datetime) -> ReviewRequest:
    """The centre keeps the case closed after review; the reason goes on the timeline."""
    if actor.role not in REVIEW_ROLES or not actor.sees_everything:
        raise Forbidden("只有市中心的督办员或派单员可以复核")
    review = session.get(ReviewRequest, review_id)
    if review is None:
        raise NotFound()
    case = lock_case(session, review.case_id)
    ensure_visible(session, case, actor)
    session.refresh(review)  # read before the lock: a reopen may have resolved it since
    if review.status != "open" or case.status != "closed":
        raise Conflict("该复核申请已处理")
    reason = require(note, "note", "复核意见")
    review.status, review.resolved_at, review.resolved_by, review.resolution_note = "upheld", now, actor.label, reason
    record_event(session, case, "review_upheld", actor, now, from_status=case.status,
                 note=f"复核维持办结：{reason}", data={"review_id": review.id})
    return review


def list_reviews(session: Session, actor: Actor, status: str | None) -> list[dict[str, Any]]:
    stmt = select(ReviewRequest, Case.number).join(Case, Case.id == ReviewRequest.case_id)
    scope = directory.case_scope(session, actor)
    if scope is not None:
        stmt = stmt.where(scope)
    if status:
        stmt = stmt.where(ReviewRequest.status == status)
    return [review_out(r, number) for r, number in session.execute(stmt.order_by(ReviewRequest.id.desc()).limit(500))]


def review_out(r: ReviewRequest, number: str) -> dict[str, Any]:
    return {"id": r.id, "case_id": r.case_id, "case_number": number, "rating": r.rating, "comment": r.comment,
            "source": r.source, "status": r.status, "created_at": r.created_at, "resolved_at": r.resolved_at,
            "resolved_by": r.resolved_by, "resolution_note": r.resolution_note}
