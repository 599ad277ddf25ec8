"""Typical cases: nominate, write, submit, approve (publish), return, withdraw — one transaction each.

Only the centre takes part: its supervisors nominate, its editors write, its leaders approve.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases import queries as case_queries
from minsheng.clock import utcnow
from minsheng.db import for_update
from minsheng.directory.actors import Actor
from minsheng.errors import Conflict, Forbidden, InvalidField, NotFound
from minsheng.inputs import InputModel
from minsheng.proposals import queries as proposal_queries
from minsheng.publishing import workflow as wf
from minsheng.publishing.drafts import case_draft, proposal_draft, source_names
from minsheng.publishing.models import TypicalCase, TypicalCaseEvent
from minsheng.publishing.redaction import redact_text


class _In(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NominateBody(_In):
    source_kind: Literal["case", "proposal"]
    source_id: int
    reason: str = Field(min_length=4, max_length=2000)


class WriteBody(_In):
    title: str = Field(min_length=4, max_length=200)
    body: str = Field(min_length=20, max_length=20000)


class ReasonBody(_In):
    reason: str = Field(min_length=2, max_length=2000)


class EmptyBody(_In):
    note: str = Field("", max_length=2000)


def _require_centre(actor: Actor) -> None:
    if not actor.sees_everything:
        raise Forbidden("典型案例由市中心推荐、撰写和审批")


def _event(session: Session, tc: TypicalCase, action: str, actor: Actor, now: datetime, from_status: str | None,
           note: str = "") -> None:
    session.add(TypicalCaseEvent(typical_case_id=tc.id, at=now, action=action, from_status=from_status,
                                 to_status=tc.status, actor_id=actor.user_id, actor_name=actor.label, note=note))


def do_nominate(session: Session, body: NominateBody, actor: Actor, *, now: datetime | None = None) -> TypicalCase:
    """A supervisor nominates a closed citizen case or a proposal with a delivered reply."""
    now = now or utcnow()
    _require_centre(actor)
    if actor.role not in wf.NOMINATORS:
        raise Forbidden("只有督办人员可以推荐典型案例")
    if session.scalar(select(TypicalCase.id).where(TypicalCase.source_kind == body.source_kind,
                                                   TypicalCase.source_id == body.source_id)):
        raise Conflict("该事项已被推荐过")
    if body.source_kind == "case":
        case = case_queries.get_case(session, actor, body.source_id)
        if case.status != "closed" or case.merged:
            raise InvalidField("source_id", "只能推荐已办结的诉求")
        title, text, topic, unit_name = case_draft(session, case)
        ref = case.number
    else:
        p = proposal_queries.get_proposal(session, actor, body.source_id)
        if not p.replied_once:
            raise InvalidField("source_id", "只能推荐已答复的建议提案")
        title, text, topic, unit_name = proposal_draft(session, p)
        ref = f"{p.session_name} 第{p.number}号"
    tc = TypicalCase(source_kind=body.source_kind, source_id=body.source_id, source_ref=ref,
                     status=wf.Status.NOMINATED.value, reason=body.reason, topic=topic, unit_name=unit_name,
                     proposed_title=title, proposed_body=text, title=title, body=text,
                     nominated_by_name=actor.label, created_at=now, updated_at=now)
    session.add(tc)
    session.flush()
    _event(session, tc, "nominate", actor, now, None, body.reason)
    return tc


def lock(session: Session, typical_case_id: int) -> TypicalCase:
    tc = session.scalars(for_update(select(TypicalCase).where(TypicalCase.id == typical_case_id), session,
                                     fresh=True)).first()
    if tc is None:
        raise NotFound()
    return tc


def allowed_for(tc: TypicalCase, actor: Actor) -> list[str]:
    if not actor.sees_everything:
        return []
    return [a.value for a in wf.allowed_actions(wf.Status(tc.status)) if wf.role_may(actor.role, a)]


def _act(session: Session, typical_case_id: int, action: wf.Action, actor: Actor, now: datetime,
         note: str = "") -> TypicalCase:
    _require_centre(actor)
    tc = lock(session, typical_case_id)
    if action.value not in allowed_for(tc, actor):
        if action in wf.allowed_actions(wf.Status(tc.status)):
            raise Forbidden(allowed_actions=allowed_for(tc, actor))
        raise Conflict(f"当前状态（{wf.STATUS_LABELS[tc.status]}）不允许「{wf.ACTION_LABELS[action.value]}」",
                       allowed_actions=allowed_for(tc, actor))
    from_status = tc.status
    tc.status = wf.apply(wf.Status(tc.status), action).value
    tc.updated_at = now
    _event(session, tc, action.value, actor, now, from_status, note)
    return tc


def do_write(session: Session, typical_case_id: int, body: WriteBody, actor: Actor, *,
             now: datetime | None = None) -> TypicalCase:
    now = now or utcnow()
    tc = _act(session, typical_case_id, wf.Action.WRITE, actor, now)
    # what the editor typed goes through the draft's redaction: nothing personal slips out by hand
    names = source_names(session, tc.source_kind, tc.source_id)
    tc.title, tc.body = redact_text(body.title, names), redact_text(body.body, names)
    tc.edited_by_name = actor.label
    return tc


def do_submit(session: Session, typical_case_id: int, body: EmptyBody, actor: Actor, *,
              now: datetime | None = None) -> TypicalCase:
    return _act(session, typical_case_id, wf.Action.SUBMIT, actor, now or utcnow(), body.note)


def do_approve(session: Session, typical_case_id: int, body: EmptyBody, actor: Actor, *,
               now: datetime | None = None) -> TypicalCase:
    now = now or utcnow()
    tc = _act(session, typical_case_id, wf.Action.APPROVE, actor, now, body.note)
    tc.approved_by_name, tc.published_at, tc.return_reason = actor.label, now, None
    return tc


def do_return(session: Session, typical_case_id: int, body: ReasonBody, actor: Actor, *,
              now: datetime | None = None) -> TypicalCase:
    tc = _act(session, typical_case_id, wf.Action.RETURN, actor, now or utcnow(), body.reason)
    tc.return_reason = body.reason
    return tc


def do_withdraw(session: Session, typical_case_id: int, body: ReasonBody, actor: Actor, *,
                now: datetime | None = None) -> TypicalCase:
    return _act(session, typical_case_id, wf.Action.WITHDRAW, actor, now or utcnow(), body.reason)
