"""The handling record: contacts with the proposer, site surveys, legal checks, progress notes and
the assisting units' opinions. The first contact of a round stops its contact clock."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from minsheng.clock import SHANGHAI, utcnow
from minsheng.directory.actors import Actor
from minsheng.errors import InvalidField
from minsheng.proposals import clockwork
from minsheng.proposals import workflow as wf
from minsheng.proposals.models import Proposal, ProposalRecord
from minsheng.proposals.schemas import METHOD_LABELS, NOTE_LABELS, ContactBody, NoteBody, OpinionBody
from minsheng.proposals.service import act, unit_roles


def check_date(p: Proposal, occurred_on: date, now: datetime) -> None:
    """A record's date lies between the assignment and today (local dates)."""
    today = now.astimezone(SHANGHAI).date()
    if occurred_on > today:
        raise InvalidField("occurred_on", "日期不能晚于今天")
    if p.assigned_at is not None and occurred_on < p.assigned_at.astimezone(SHANGHAI).date():
        raise InvalidField("occurred_on", "日期不能早于交办日期")


def _record(session: Session, p: Proposal, actor: Actor, now: datetime, *, kind: str, occurred_on: date,
            content: str, unit_code: str, method: str | None = None, people: str = "", place: str = "",
            ) -> ProposalRecord:
    row = ProposalRecord(proposal_id=p.id, round=p.round, kind=kind, method=method, occurred_on=occurred_on,
                         people=people, place=place, content=content, unit_code=unit_code,
                         recorded_by=actor.user_id, recorded_by_name=actor.label, recorded_at=now)
    session.add(row)
    session.flush()
    return row


def do_record_contact(session: Session, proposal_id: int, body: ContactBody, actor: Actor, *,
                      now: datetime | None = None) -> Proposal:
    """面商、电话沟通、实地走访 with the proposer: date, people, place, content."""
    now = now or utcnow()

    def change(p: Proposal) -> tuple[str, dict[str, Any]]:
        check_date(p, body.occurred_on, now)
        first = not p.contacted
        row = _record(session, p, actor, now, kind="contact", method=body.method, occurred_on=body.occurred_on,
                      people=body.people, place=body.place, content=body.content,
                      unit_code=p.host_unit_code or actor.unit_code)
        if first:
            p.first_contact_at = now
            clockwork.stop(session, p, "contact", now)
        note = f"{METHOD_LABELS[body.method]}（{body.occurred_on:%Y-%m-%d}" + (f"，{body.place}" if body.place else "")
        return note + f"）：{body.content}", {"record_id": row.id, "method": body.method, "first": first}

    return act(session, proposal_id, wf.Action.RECORD_CONTACT, actor, now, change)


def do_add_note(session: Session, proposal_id: int, body: NoteBody, actor: Actor, *,
                now: datetime | None = None) -> Proposal:
    """A site survey, a legal check or an interim progress note of the host unit."""
    now = now or utcnow()

    def change(p: Proposal) -> tuple[str, dict[str, Any]]:
        check_date(p, body.occurred_on, now)
        row = _record(session, p, actor, now, kind=body.kind, occurred_on=body.occurred_on, people=body.people,
                      place=body.place, content=body.content, unit_code=p.host_unit_code or actor.unit_code)
        return f"{NOTE_LABELS[body.kind]}：{body.content}", {"record_id": row.id, "kind": body.kind}

    return act(session, proposal_id, wf.Action.ADD_NOTE, actor, now, change)


def _assisting_unit(session: Session, p: Proposal, actor: Actor) -> str:
    for code, role, path in unit_roles(session, p.id):
        if role == "assist" and path.startswith(actor.unit_path):
            return code
    if actor.role == "admin":
        assist = [code for code, role, _ in unit_roles(session, p.id) if role == "assist"]
        if assist:
            return assist[0]
    raise InvalidField("unit", "只有协办单位可以提出协办意见")


def do_add_opinion(session: Session, proposal_id: int, body: OpinionBody, actor: Actor, *,
                   now: datetime | None = None) -> Proposal:
    """协办意见: an assisting unit's opinion for the host unit's reply."""
    now = now or utcnow()

    def change(p: Proposal) -> tuple[str, dict[str, Any]]:
        unit = _assisting_unit(session, p, actor)
        today = now.astimezone(SHANGHAI).date()
        row = _record(session, p, actor, now, kind="opinion", occurred_on=today, content=body.content, unit_code=unit)
        return f"协办意见（{unit}）：{body.content}", {"record_id": row.id, "unit": unit}

    return act(session, proposal_id, wf.Action.ADD_OPINION, actor, now, change)

