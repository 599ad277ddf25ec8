"""Attachments of a proposal (the original text as PDF, photos, maps): same checks as case files."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from minsheng.cases.attachments import check_file, display_name, store
from minsheng.directory.actors import Actor
from minsheng.errors import Forbidden, NotFound
from minsheng.proposals.models import Proposal, ProposalAttachment
from minsheng.proposals.permissions import may_register
from minsheng.proposals.queries import ensure_visible
from minsheng.proposals.service import lock_proposal, record_event, relation
from minsheng.settings import Settings


def do_attach(session: Session, proposal_id: int, filename: str, content_type: str, data: bytes, actor: Actor,
              settings: Settings, *, now: datetime) -> ProposalAttachment:
    """The centre attaches at intake; the host and assisting units attach while handling."""
    check_file(content_type, data, settings)
    p = lock_proposal(session, proposal_id)
    ensure_visible(session, p, actor)
    rel = relation(session, p, actor)
    if not (may_register(actor.role, actor.sees_everything) or rel.host or rel.assist):
        raise Forbidden("无权为该建议提案上传附件")
    relative = store(settings, Path("proposals") / now.strftime("%Y/%m"), content_type, data)
    att = ProposalAttachment(proposal_id=p.id, filename=display_name(filename),
                             content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                             storage_path=relative, uploaded_by=actor.user_id, uploaded_at=now)
    session.add(att)
    session.flush()
    record_event(session, p, "attach", actor, now, from_status=p.status, note=f"上传附件 {att.filename}",
                 data={"attachment_id": att.id})
    return att


def attachment_for(session: Session, attachment_id: int, actor: Actor) -> ProposalAttachment:
    att = session.get(ProposalAttachment, attachment_id)
    if att is None:
        raise NotFound()
    proposal = session.get(Proposal, att.proposal_id)
    if proposal is None:
        raise NotFound()
    ensure_visible(session, proposal, actor)
    return att
