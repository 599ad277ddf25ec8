"""Turn proposal rows into API shapes: unit names resolved, clocks with their state, allowed actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.clock import utcnow
from minsheng.directory.actors import Actor
from minsheng.directory.models import Unit
from minsheng.proposals import clockwork, queries
from minsheng.proposals.models import Proposal, ProposalClock, ProposalUnit
from minsheng.proposals.publication import proposed_version
from minsheng.proposals.schemas import (
    CLASS_LABELS,
    DELIVERY_LABELS,
    KIND_LABELS,
    METHOD_LABELS,
    NOTE_LABELS,
    RATING_LABELS,
    ProposalDetail,
    ProposalSummary,
)
from minsheng.proposals.service import allowed_for
from minsheng.proposals.workflow import ACTION_LABELS, STATUS_LABELS


def unit_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Unit.code, Unit.name)).all())


def _summary_fields(p: Proposal, names: dict[str, str], units: list[ProposalUnit],
                    clocks: list[ProposalClock]) -> dict[str, Any]:
    return dict(
        id=p.id, kind=p.kind, kind_label=KIND_LABELS[p.kind], number=p.number, session_name=p.session_name,
        category=p.category, title=p.title, lead_name=p.lead_name, lead_constituency=p.lead_constituency,
        status=p.status, status_label=STATUS_LABELS[p.status], round=p.round, host_unit=p.host_unit_code,
        host_unit_name=names.get(p.host_unit_code or ""),
        assist_units=[{"code": u.unit_code, "name": names.get(u.unit_code, u.unit_code)}
                      for u in units if u.role == "assist"],
        overdue=p.overdue, escalated=p.escalated, published=p.published, rating=p.rating,
        created_at=p.created_at, assigned_at=p.assigned_at,
        clocks=clockwork.present([c for c in clocks if c.round == p.round], utcnow()),
    )


def summaries(session: Session, rows: list[Proposal]) -> list[ProposalSummary]:
    names = unit_names(session)
    ids = [p.id for p in rows]
    units, clocks = queries.units_of(session, ids), queries.clocks_of(session, ids)
    return [ProposalSummary(**_summary_fields(p, names, units[p.id], clocks[p.id])) for p in rows]


def detail(session: Session, p: Proposal, actor: Actor) -> ProposalDetail:
    names = unit_names(session)
    fields = _summary_fields(p, names, queries.units_of(session, [p.id])[p.id],
                             queries.clocks_of(session, [p.id])[p.id])
    records = [{
        "id": r.id, "round": r.round, "kind": r.kind, "kind_label": NOTE_LABELS.get(r.kind, r.kind),
        "method": r.method, "method_label": METHOD_LABELS.get(r.method or ""), "occurred_on": r.occurred_on,
        "people": r.people, "place": r.place, "content": r.content, "unit": r.unit_code,
        "unit_name": names.get(r.unit_code, r.unit_code), "recorded_by": r.recorded_by_name,
        "recorded_at": r.recorded_at,
    } for r in queries.records(session, p.id)]
    replies = [{
        "id": r.id, "round": r.round, "unit": r.unit_code, "text": r.text, "classification": r.classification,
        "classification_label": CLASS_LABELS[r.classification], "status": r.status,
        "drafted_by": r.drafted_by_name, "drafted_at": r.drafted_at, "approved_by": r.approved_by_name,
        "approved_at": r.approved_at, "return_reason": r.return_reason, "delivery_method": r.delivery_method,
        "delivery_label": DELIVERY_LABELS.get(r.delivery_method or ""), "delivered_at": r.delivered_at,
        "rating": r.rating, "rating_label": RATING_LABELS.get(r.rating or ""), "rating_comment": r.rating_comment,
        "rated_at": r.rated_at,
    } for r in queries.replies(session, p.id)]
    public = {"background": p.public_background, "process": p.public_process, "result": p.public_result,
              "words": p.public_words}
    if not p.published and p.replied_once:
        public = {**proposed_version(session, p), "draft": "true"}
    return ProposalDetail(
        **fields, co_signers=p.co_signers or [], background=p.background, demands=p.demands,
        contacted=p.contacted, signed_at=p.signed_at, first_contact_at=p.first_contact_at,
        delivered_at=p.delivered_at, closed_at=p.closed_at, rating_comment=p.rating_comment, rated_at=p.rated_at,
        published_at=p.published_at, public=public, records=records, replies=replies,
        attachments=[{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                      "uploaded_at": a.uploaded_at} for a in queries.attachments(session, p.id)],
        timeline=[{"id": e.id, "at": e.at, "action": e.action, "action_label": ACTION_LABELS.get(e.action, e.action),
                   "from_status": e.from_status, "to_status": e.to_status, "round": e.round,
                   "actor_name": e.actor_name, "actor_unit": e.actor_unit, "note": e.note}
                  for e in queries.timeline(session, p.id)],
        allowed_actions=allowed_for(session, p, actor),
    )
