"""Reading proposals: what an actor may see (units see what they host or assist, the centre sees
all), filtered keyset-paginated lists, one proposal's parts, and the published ones for the public."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, select
from sqlalchemy.orm import Session

from minsheng.cases.queries import decode_cursor, encode_cursor
from minsheng.directory.actors import Actor
from minsheng.directory.service import units_below
from minsheng.errors import InvalidField, NotFound
from minsheng.proposals.models import (
    Proposal,
    ProposalAttachment,
    ProposalClock,
    ProposalEvent,
    ProposalRecord,
    ProposalReply,
    ProposalUnit,
)
from minsheng.proposals.workflow import Status


@dataclass
class ProposalFilter:
    session_name: str | None = None
    kind: str | None = None
    status: list[str] | None = None
    unit: str | None = None  # host or assisting unit
    overdue: bool | None = None
    text: str | None = None
    cursor: str | None = None
    limit: int = 50


def proposal_scope(session: Session, actor: Actor) -> ColumnElement[bool] | None:
    """SQL condition for the proposals `actor` may see; None means all of them."""
    if actor.role == "team_member":
        return false()
    if actor.sees_everything:
        return None
    codes = units_below(session, actor)
    return exists().where(ProposalUnit.proposal_id == Proposal.id, ProposalUnit.unit_code.in_(codes))


def scoped(session: Session, actor: Actor, stmt: Select[Any]) -> Select[Any]:
    scope = proposal_scope(session, actor)
    return stmt if scope is None else stmt.where(scope)


def ensure_visible(session: Session, p: Proposal, actor: Actor) -> None:
    """A proposal outside the actor's scope does not exist for it (404, not 403)."""
    if session.scalar(scoped(session, actor, select(Proposal.id).where(Proposal.id == p.id))) is None:
        raise NotFound()


def _filtered(stmt: Select[Any], f: ProposalFilter) -> Select[Any]:
    if f.status:
        bad = [s for s in f.status if s not in Status.__members__.values()]
        if bad:
            raise InvalidField("status", f"未知状态 {bad[0]}")
        stmt = stmt.where(Proposal.status.in_(f.status))
    if f.session_name:
        stmt = stmt.where(Proposal.session_name == f.session_name)
    if f.kind:
        stmt = stmt.where(Proposal.kind == f.kind)
    if f.unit:
        stmt = stmt.where(exists().where(ProposalUnit.proposal_id == Proposal.id, ProposalUnit.unit_code == f.unit))
    if f.overdue is not None:
        stmt = stmt.where(Proposal.overdue.is_(f.overdue))
    if f.text:
        # the words as typed: % and _ are characters to find, not wildcards
        stmt = stmt.where(Proposal.title.contains(f.text, autoescape=True)
                          | Proposal.lead_name.contains(f.text, autoescape=True) | (Proposal.number == f.text))
    return stmt


def list_proposals(session: Session, actor: Actor, f: ProposalFilter) -> tuple[list[Proposal], str | None]:
    """Newest first; `next_cursor` continues after the last row (keyset, no OFFSET)."""
    stmt = _filtered(scoped(session, actor, select(Proposal)), f)
    if f.cursor:
        stmt = stmt.where(Proposal.id < decode_cursor(f.cursor))
    rows = list(session.scalars(stmt.order_by(Proposal.id.desc()).limit(f.limit + 1)))
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    return rows, (encode_cursor(rows[-1].id) if more and rows else None)


def get_proposal(session: Session, actor: Actor, proposal_id: int) -> Proposal:
    p: Proposal | None = session.scalars(scoped(session, actor, select(Proposal).where(
        Proposal.id == proposal_id))).first()
    if p is None:
        raise NotFound()
    return p


def sessions(session: Session, *, published_only: bool = False) -> list[str]:
    stmt = select(Proposal.session_name).distinct()
    if published_only:
        stmt = stmt.where(Proposal.published.is_(True))
    return sorted(session.scalars(stmt), reverse=True)


def units_of(session: Session, proposal_ids: list[int]) -> dict[int, list[ProposalUnit]]:
    result: dict[int, list[ProposalUnit]] = {pid: [] for pid in proposal_ids}
    if proposal_ids:
        for row in session.scalars(select(ProposalUnit).where(ProposalUnit.proposal_id.in_(proposal_ids))
                                   .order_by(ProposalUnit.id)):
            result[row.proposal_id].append(row)
    return result


def clocks_of(session: Session, proposal_ids: list[int]) -> dict[int, list[ProposalClock]]:
    result: dict[int, list[ProposalClock]] = {pid: [] for pid in proposal_ids}
    if proposal_ids:
        for row in session.scalars(select(ProposalClock).where(ProposalClock.proposal_id.in_(proposal_ids))
                                   .order_by(ProposalClock.id)):
            result[row.proposal_id].append(row)
    return result


def records(session: Session, proposal_id: int) -> list[ProposalRecord]:
    return list(session.scalars(select(ProposalRecord).where(ProposalRecord.proposal_id == proposal_id)
                                .order_by(ProposalRecord.occurred_on, ProposalRecord.id)))


def replies(session: Session, proposal_id: int) -> list[ProposalReply]:
    return list(session.scalars(select(ProposalReply).where(ProposalReply.proposal_id == proposal_id)
                                .order_by(ProposalReply.round)))


def current_reply(session: Session, p: Proposal) -> ProposalReply | None:
    return session.scalars(select(ProposalReply).where(ProposalReply.proposal_id == p.id,
                                                       ProposalReply.round == p.round)).first()


def latest_delivered_reply(session: Session, proposal_id: int) -> ProposalReply | None:
    return session.scalars(select(ProposalReply).where(
        ProposalReply.proposal_id == proposal_id, ProposalReply.delivered_at.is_not(None))
        .order_by(ProposalReply.round.desc())).first()


def timeline(session: Session, proposal_id: int) -> list[ProposalEvent]:
    return list(session.scalars(select(ProposalEvent).where(ProposalEvent.proposal_id == proposal_id)
                                .order_by(ProposalEvent.id)))


def attachments(session: Session, proposal_id: int) -> list[ProposalAttachment]:
    return list(session.scalars(select(ProposalAttachment).where(ProposalAttachment.proposal_id == proposal_id)
                                .order_by(ProposalAttachment.id)))


# --- the public's view: published proposals only -------------------------------------------------

PUBLIC_STATUS = {"delivered": "已答复", "closed": "已办结"}  # anything else: 二次办理中


def public_status(p: Proposal) -> str:
    return PUBLIC_STATUS.get(p.status, "二次办理中")


def published(session: Session, *, session_name: str | None = None, unit: str | None = None,
              status: str | None = None, kind: str | None = None) -> list[Proposal]:
    stmt = select(Proposal).where(Proposal.published.is_(True))
    if session_name:
        stmt = stmt.where(Proposal.session_name == session_name)
    if unit:
        stmt = stmt.where(Proposal.host_unit_code == unit)
    if kind:
        stmt = stmt.where(Proposal.kind == kind)
    if status == "closed":
        stmt = stmt.where(Proposal.status == "closed")
    elif status == "delivered":
        stmt = stmt.where(Proposal.status == "delivered")
    elif status == "reopened":
        stmt = stmt.where(Proposal.status.not_in(("closed", "delivered")))
    return list(session.scalars(stmt.order_by(Proposal.session_name.desc(), Proposal.kind, Proposal.id)))


def get_published(session: Session, proposal_id: int) -> Proposal:
    p = session.get(Proposal, proposal_id)
    if p is None or not p.published:
        raise NotFound("该建议提案未公开或不存在")
    return p
