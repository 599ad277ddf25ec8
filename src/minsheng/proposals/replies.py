"""The written reply: drafted by the host unit (with its A/B/C/D classification), approved or sent
back by the unit's leader, delivered to the proposer, and rated by the proposer (recorded by the
centre). 不满意 opens a second handling with fresh contact and reply clocks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from minsheng.clock import utcnow
from minsheng.directory import service as directory
from minsheng.directory.actors import Actor
from minsheng.errors import Conflict
from minsheng.events.outbox import enqueue
from minsheng.proposals import clockwork
from minsheng.proposals import workflow as wf
from minsheng.proposals.models import Proposal, ProposalReply
from minsheng.proposals.queries import current_reply
from minsheng.proposals.schemas import (
    CLASS_LABELS,
    DELIVERY_LABELS,
    RATING_LABELS,
    DeliverBody,
    NoteOnlyBody,
    RateBody,
    ReasonBody,
    ReplyBody,
)
from minsheng.proposals.service import act


def _reply(session: Session, p: Proposal) -> ProposalReply:
    reply = current_reply(session, p)
    if reply is None:
        raise Conflict("本轮办理尚无答复")
    return reply


def do_draft_reply(session: Session, proposal_id: int, body: ReplyBody, actor: Actor, *,
                   now: datetime | None = None) -> Proposal:
    """Write (or revise) this round's reply; it goes to the unit's leader for approval."""
    now = now or utcnow()

    def change(p: Proposal) -> tuple[str, dict[str, Any]]:
        reply = current_reply(session, p)
        revised = reply is not None
        if reply is None:
            reply = ProposalReply(proposal_id=p.id, round=p.round, unit_code=p.host_unit_code or actor.unit_code,
                                  text=body.text, classification=body.classification, status="draft",
                                  drafted_by_name=actor.label, drafted_at=now)
            session.add(reply)
        else:
            reply.text, reply.classification, reply.status = body.text, body.classification, "draft"
            reply.drafted_by_name, reply.drafted_at = actor.label, now
        session.flush()
        enqueue(session, "notify", {"event": "proposal_reply_for_approval", "to": {
            "kind": "unit", "unit": p.host_unit_code, "roles": ["leader"]},
            "params": {"proposal_id": p.id, "number": p.number, "title": p.title}}, now=now)
        verb = "修改答复" if revised else "拟写答复"
        return f"{verb}（{CLASS_LABELS[body.classification]}），报单位领导审批", {
            "reply_id": reply.id, "classification": body.classification}

    return act(session, proposal_id, wf.Action.DRAFT_REPLY, actor, now, change)


def do_approve_reply(session: Session, proposal_id: int, body: NoteOnlyBody, actor: Actor, *,
                     now: datetime | None = None) -> Proposal:
    now = now or utcnow()

    def change(p: Proposal) -> tuple[str, dict[str, Any]]:
        reply = _reply(session, p)
        reply.status, reply.approved_by_name, reply.approved_at = "approved", actor.label, now
        reply.return_reason = None
        return "单位领导审批同意" + (f"：{body.note}" if body.note else ""), {"reply_id": reply.id}

    return act(session, proposal_id, wf.Action.APPROVE_REPLY, actor, now, change)


def do_return_reply(session: Session, proposal_id: int, body: ReasonBody, actor: Actor, *,
                    now: datetime | None = None) -> Proposal:
    now = now or utcnow()

    def change(p: Proposal) -> tuple[str, dict[str, Any]]:
        reply = _reply(session, p)
        reply.status, reply.return_reason = "draft", body.reason
        return f"退回修改：{body.reason}", {"reply_id": reply.id, "reason": body.reason}

    return act(session, proposal_id, wf.Action.RETURN_REPLY, actor, now, change)


def do_deliver(session: Session, proposal_id: int, body: DeliverBody, actor: Actor, *,
               now: datetime | None = None) -> Proposal:
    """Send the approved reply to the proposer; stops the reply clock."""
    now = now or utcnow()

    def change(p: Proposal) -> tuple[str, dict[str, Any]]:
        reply = _reply(session, p)
        reply.status, reply.delivery_method, reply.delivered_at = "delivered", body.method, now
        p.delivered_at = now
        clockwork.stop(session, p, "feedback", now)
        enqueue(session, "notify", {"event": "proposal_reply_delivered", "to": {
            "kind": "unit", "unit": directory.centre_unit(session).code, "roles": ["city_dispatcher", "supervisor"]},
            "params": {"proposal_id": p.id, "number": p.number, "title": p.title}}, now=now)
        return f"答复已{DELIVERY_LABELS[body.method]}代表委员", {"reply_id": reply.id, "method": body.method}

    return act(session, proposal_id, wf.Action.DELIVER, actor, now, change)


def do_rate(session: Session, proposal_id: int, body: RateBody, actor: Actor, *,
            now: datetime | None = None) -> Proposal:
    """The proposer's rating of the delivered reply (征询意见表), recorded by the centre."""
    now = now or utcnow()
    unsatisfied = body.rating == "unsatisfied"
    reopened: dict[str, bool] = {}

    def change(p: Proposal) -> tuple[str, dict[str, Any]]:
        reply = _reply(session, p)
        reply.rating, reply.rating_comment, reply.rated_at = body.rating, body.comment or None, now
        p.rating, p.rating_comment, p.rated_at = body.rating, body.comment or None, now
        reopened["yes"] = wf.reopens(wf.ProposalState(wf.Status(p.status), p.round), unsatisfied)
        note = f"代表委员评价：{RATING_LABELS[body.rating]}" + (f"，{body.comment}" if body.comment else "")
        if reopened["yes"]:
            note += f"；启动第 {p.round + 1} 轮办理"
        return note, {"reply_id": reply.id, "rating": body.rating, "reopened": reopened["yes"]}

    def after(p: Proposal) -> None:
        if reopened["yes"]:
            p.first_contact_at = None
            clockwork.start_round(session, p, now)
            enqueue(session, "notify", {"event": "proposal_reopened", "to": {
                "kind": "unit", "unit": p.host_unit_code, "roles": ["handler", "leader"]},
                "params": {"proposal_id": p.id, "number": p.number, "round": p.round}}, now=now)
        else:
            p.closed_at = now

    return act(session, proposal_id, wf.Action.RATE, actor, now, change, unsatisfied=unsatisfied, after=after)
