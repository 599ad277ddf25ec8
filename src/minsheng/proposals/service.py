"""Proposal actions: each do_* is one transaction's worth of work; the caller owns the transaction.

Every action locks the proposal row (PostgreSQL), checks scope and permission, applies the pure
workflow, sets the fields, moves the clocks and writes the timeline event before the caller
commits. Intake and assignment live here; the handling record, replies and publication have
their own modules built on `act()`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases.permissions import unit_covers
from minsheng.clock import utcnow
from minsheng.db import for_update
from minsheng.directory import service as directory
from minsheng.directory.actors import Actor
from minsheng.directory.models import Unit
from minsheng.errors import Conflict, Forbidden, InvalidField, NotFound
from minsheng.events.outbox import enqueue
from minsheng.events.publish import announce
from minsheng.proposals import clockwork
from minsheng.proposals import workflow as wf
from minsheng.proposals.models import Proposal, ProposalEvent, ProposalUnit
from minsheng.proposals.permissions import Relation, may, may_register
from minsheng.proposals.queries import ensure_visible
from minsheng.proposals.schemas import KIND_LABELS, AssignBody, NoteOnlyBody, ProposalCreate, ReasonBody

Change = Callable[[Proposal], tuple[str, dict[str, Any]]]


class ContactRequired(Conflict):
    code = "contact_required"
    message = "答复前须至少记录一次与代表委员的联系（当面会商、电话沟通或实地走访）"


def lock_proposal(session: Session, proposal_id: int) -> Proposal:
    proposal = session.scalars(for_update(select(Proposal).where(Proposal.id == proposal_id), session,
                                           fresh=True)).first()
    if proposal is None:
        raise NotFound()
    return proposal


def state_of(p: Proposal) -> wf.ProposalState:
    return wf.ProposalState(wf.Status(p.status), p.round, p.contacted, p.published, p.replied_once)


def unit_roles(session: Session, proposal_id: int) -> list[tuple[str, str, str]]:
    """(unit code, role, unit path) of the proposal's host and assisting units."""
    rows = session.execute(select(ProposalUnit.unit_code, ProposalUnit.role, Unit.path)
                           .join(Unit, Unit.code == ProposalUnit.unit_code)
                           .where(ProposalUnit.proposal_id == proposal_id).order_by(ProposalUnit.id))
    return [(code, role, path) for code, role, path in rows]


def relation(session: Session, p: Proposal, actor: Actor) -> Relation:
    units = unit_roles(session, p.id)
    host = [path for _, role, path in units if role == "host"]
    assist = [path for _, role, path in units if role == "assist"]
    return Relation(
        centre=actor.sees_everything,
        host=any(unit_covers(actor.unit_path, path) for path in host),
        host_exact=p.host_unit_code == actor.unit_code,
        assist=any(unit_covers(actor.unit_path, path) for path in assist),
    )


def allowed_for(session: Session, p: Proposal, actor: Actor) -> list[str]:
    rel = relation(session, p, actor)
    return [a.value for a in wf.allowed_actions(state_of(p)) if may(actor.role, rel, a)]


def check_allowed(session: Session, p: Proposal, action: wf.Action, actor: Actor) -> None:
    allowed = allowed_for(session, p, actor)
    if action.value in allowed:
        return
    state = state_of(p)
    if action in wf.allowed_actions(state):
        raise Forbidden(allowed_actions=allowed)
    if action in (wf.Action.DRAFT_REPLY, wf.Action.DELIVER) and not state.contacted:
        raise ContactRequired(allowed_actions=allowed)
    label = wf.ACTION_LABELS.get(action.value, action.value)
    raise Conflict(f"当前状态（{wf.STATUS_LABELS[p.status]}）不允许「{label}」", allowed_actions=allowed)


def record_event(session: Session, p: Proposal, action: str, actor: Actor, now: datetime, *,
                 from_status: str | None, note: str = "", data: dict[str, Any] | None = None) -> ProposalEvent:
    event = ProposalEvent(proposal_id=p.id, at=now, action=action, from_status=from_status, to_status=p.status,
                          round=p.round, actor_id=actor.user_id, actor_name=actor.label, actor_unit=actor.unit_code,
                          note=note, data=data or {})
    session.add(event)
    session.flush()
    return event


def act(session: Session, proposal_id: int, action: wf.Action, actor: Actor, now: datetime, change: Change, *,
        unsatisfied: bool = False, after: Callable[[Proposal], None] | None = None) -> Proposal:
    """Lock, authorise, change fields, apply the workflow, run `after`, write the event."""
    p = lock_proposal(session, proposal_id)
    ensure_visible(session, p, actor)
    check_allowed(session, p, action, actor)
    from_status = p.status
    note, data = change(p)
    new = wf.apply(state_of(p), action, unsatisfied=unsatisfied)
    p.status, p.round, p.contacted = new.status.value, new.round, new.contacted
    p.published, p.replied_once = new.published, new.replied_once
    p.updated_at = now
    if after is not None:
        after(p)
    record_event(session, p, action.value, actor, now, from_status=from_status, note=note, data=data)
    announce(session, "proposal", None, proposal_id=p.id, action=action.value, status=p.status,
             unit=p.host_unit_code)
    return p


def do_create_proposal(session: Session, body: ProposalCreate, actor: Actor, *, now: datetime | None = None,
                       source: str = "manual") -> Proposal:
    now = now or utcnow()
    if not may_register(actor.role, actor.sees_everything):
        raise Forbidden("只有市中心的建议提案办理人员可以登记建议提案")
    duplicate = session.scalar(select(Proposal.id).where(
        Proposal.kind == body.kind, Proposal.session_name == body.session_name, Proposal.number == body.number))
    if duplicate is not None:
        raise InvalidField("number", f"{body.session_name} 已有第 {body.number} 号{KIND_LABELS[body.kind]}")
    p = Proposal(
        kind=body.kind, number=body.number, session_name=body.session_name, category=body.category,
        title=body.title, lead_name=body.lead_name, lead_constituency=body.lead_constituency,
        co_signers=[c.model_dump() for c in body.co_signers], background=body.background, demands=body.demands,
        status=wf.Status.REGISTERED.value, round=1, contacted=False, replied_once=False, published=False,
        overdue=False, escalated=False, source=source, created_by=actor.user_id, created_at=now, updated_at=now,
    )
    session.add(p)
    session.flush()
    record_event(session, p, "create", actor, now, from_status=None,
                 note=f"登记{KIND_LABELS[p.kind]}：{p.title}", data={"source": source})
    return p


def _units(session: Session, body: AssignBody) -> tuple[Unit, list[Unit]]:
    host = directory.get_unit(session, body.host_unit)
    assists: list[Unit] = []
    for code in dict.fromkeys(body.assist_units):
        if code == host.code:
            raise InvalidField("assist_units", "协办单位不能与主办单位相同")
        assists.append(directory.get_unit(session, code))
    return host, assists


def do_assign(session: Session, proposal_id: int, body: AssignBody, actor: Actor, *,
              now: datetime | None = None) -> Proposal:
    """交办: the host unit and assisting units; starts the sign, contact and reply clocks."""
    now = now or utcnow()
    host, assists = _units(session, body)

    def change(p: Proposal) -> tuple[str, dict[str, Any]]:
        previous = p.host_unit_code
        for row in session.scalars(select(ProposalUnit).where(ProposalUnit.proposal_id == p.id)):
            session.delete(row)
        session.flush()
        session.add(ProposalUnit(proposal_id=p.id, unit_code=host.code, role="host"))
        for unit in assists:
            session.add(ProposalUnit(proposal_id=p.id, unit_code=unit.code, role="assist"))
        p.host_unit_code, p.assigned_at, p.signed_at = host.code, now, None
        p.overdue = p.escalated = False
        note = f"交办：主办 {host.name}" + (f"，协办 {'、'.join(u.name for u in assists)}" if assists else "")
        if previous and previous != host.code:
            note += f"（原主办 {previous}）"
        return note + (f"。{body.note}" if body.note else ""), {
            "host_unit": host.code, "assist_units": [u.code for u in assists], "previous_host": previous}

    def after(p: Proposal) -> None:
        clockwork.cancel_running(session, p, now)
        clockwork.start_round(session, p, now)
        for unit in [host, *assists]:
            enqueue(session, "notify", {
                "event": "proposal_assigned", "to": {"kind": "unit", "unit": unit.code, "roles": ["handler", "leader"]},
                "params": {"proposal_id": p.id, "number": p.number, "title": p.title,
                           "role": "host" if unit is host else "assist",
                           "role_label": "主办" if unit is host else "协办"}}, now=now)

    return act(session, proposal_id, wf.Action.ASSIGN, actor, now, change, after=after)


def do_return(session: Session, proposal_id: int, body: ReasonBody, actor: Actor, *,
              now: datetime | None = None) -> Proposal:
    """申请调整: the host unit says the proposal is not its business; the centre assigns it again."""
    now = now or utcnow()

    def change(p: Proposal) -> tuple[str, dict[str, Any]]:
        unit = p.host_unit_code
        for row in session.scalars(select(ProposalUnit).where(ProposalUnit.proposal_id == p.id)):
            session.delete(row)
        p.host_unit_code, p.assigned_at, p.signed_at = None, None, None
        clockwork.cancel_running(session, p, now)
        enqueue(session, "notify", {
            "event": "proposal_returned", "to": {"kind": "unit", "unit": directory.centre_unit(session).code,
                                                 "roles": ["city_dispatcher", "supervisor"]},
            "params": {"proposal_id": p.id, "number": p.number, "unit": unit, "reason": body.reason}}, now=now)
        return f"申请调整：{body.reason}", {"unit": unit, "reason": body.reason}

    return act(session, proposal_id, wf.Action.RETURN, actor, now, change)


def do_sign(session: Session, proposal_id: int, body: NoteOnlyBody, actor: Actor, *,
            now: datetime | None = None) -> Proposal:
    now = now or utcnow()

    def change(p: Proposal) -> tuple[str, dict[str, Any]]:
        p.signed_at = now
        clockwork.stop(session, p, "sign", now)
        return "签收" + (f"：{body.note}" if body.note else ""), {"unit": p.host_unit_code}

    return act(session, proposal_id, wf.Action.SIGN, actor, now, change)
