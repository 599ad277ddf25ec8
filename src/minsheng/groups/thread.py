"""The group's thread: messages with attachments and @mentions of units, read state per unit.

Every member unit and the supervising centre may post; whoever sees the case may read. A new
message is announced ("group_message") so that open case pages show it at once, and each
mentioned unit is notified through the outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases.models import Attachment, Case
from minsheng.cases.queries import get_case
from minsheng.cases.rows import lock_case
from minsheng.cases.service import ensure_visible
from minsheng.clock import utcnow
from minsheng.directory import service as directory
from minsheng.directory.actors import Actor
from minsheng.errors import Forbidden, InvalidField
from minsheng.events.publish import announce
from minsheng.groups.models import Group, GroupMessage, MessageRead
from minsheng.groups.present import viewer_unit
from minsheng.groups.rows import notify_unit, require_group, unit_names

PAGE = 200


def _speaker(group: Group, actor: Actor) -> str:
    unit = viewer_unit(group, actor)
    if unit is None:
        raise Forbidden("只有组群成员单位和市社会治理中心可以在群内发言")
    return unit


def mentions_in(text: str, explicit: list[str], names: dict[str, str]) -> list[str]:
    """Units @mentioned by code or by name in the text, plus the explicit list (all must be in `names`)."""
    unknown = [code for code in explicit if code not in names]
    if unknown:
        raise InvalidField("mentions", f"只能@组群成员单位或市中心：{'、'.join(unknown)}")
    found = [code for code, name in names.items() if f"@{name}" in text or f"@{code}" in text]
    return list(dict.fromkeys([*explicit, *found]))


def _remember_read(session: Session, group: Group, unit: str, up_to: int, now: datetime) -> None:
    read = session.get(MessageRead, (group.id, unit))
    if read is None:
        session.add(MessageRead(group_id=group.id, unit_code=unit, last_read_id=up_to, read_at=now))
    elif up_to > read.last_read_id:
        read.last_read_id, read.read_at = up_to, now


def do_post_message(session: Session, case_id: int, text: str, mentions: list[str], attachment_ids: list[int],
                    actor: Actor, *, now: datetime | None = None) -> GroupMessage:
    now = now or utcnow()
    case = lock_case(session, case_id)  # serialises posting and reading with the case's other actions
    ensure_visible(session, case, actor)
    group = require_group(session, case, open_only=False)
    unit = _speaker(group, actor)
    centre = directory.centre_unit(session).code
    mentionable = unit_names(session, [m.unit_code for m in group.active_members()] + [centre])
    mentioned = [code for code in mentions_in(text, mentions, mentionable) if code != unit]
    files: list[dict[str, Any]] = []
    for att_id in dict.fromkeys(attachment_ids):
        att = session.get(Attachment, att_id)
        if att is None or att.case_id != case.id:
            raise InvalidField("attachments", f"附件 {att_id} 不属于该案件")
        files.append({"id": att.id, "filename": att.filename, "content_type": att.content_type, "size": att.size})
    message = GroupMessage(group_id=group.id, case_id=case.id, author_id=actor.user_id, author_name=actor.label,
                           unit_code=unit, text=text, mentions=mentioned, attachments=files, created_at=now)
    session.add(message)
    session.flush()
    _remember_read(session, group, unit, message.id, now)
    for code in mentioned:
        notify_unit(session, "group_mention", case, code, now, f"mention:{message.id}:{code}",
                    author=actor.label, author_unit=unit, author_unit_name=mentionable.get(unit, unit), text=text[:200])
    announce(session, "group_message", case.id, group_id=group.id, message_id=message.id, unit=unit,
             mentions=mentioned)
    return message


def do_mark_read(session: Session, case_id: int, actor: Actor, up_to: int | None = None, *,
                 now: datetime | None = None) -> int:
    """Mark the thread read for the actor's unit up to a message (default: the latest). Returns it."""
    now = now or utcnow()
    case = lock_case(session, case_id)
    ensure_visible(session, case, actor)
    group = require_group(session, case, open_only=False)
    unit = _speaker(group, actor)
    latest = session.scalar(select(GroupMessage.id).where(GroupMessage.group_id == group.id)
                            .order_by(GroupMessage.id.desc()).limit(1)) or 0
    target = latest if up_to is None else min(up_to, latest)
    _remember_read(session, group, unit, target, now)
    return target


def thread(session: Session, case_id: int, actor: Actor, after: int = 0) -> dict[str, Any]:
    """Messages after `after` (oldest first, at most PAGE), each with the units that have read it."""
    case: Case = get_case(session, actor, case_id)
    group = require_group(session, case, open_only=False)
    messages = list(session.scalars(select(GroupMessage).where(
        GroupMessage.group_id == group.id, GroupMessage.id > after).order_by(GroupMessage.id).limit(PAGE)))
    reads = {r.unit_code: r.last_read_id for r in session.scalars(
        select(MessageRead).where(MessageRead.group_id == group.id))}
    centre = directory.centre_unit(session).code
    readers = [m.unit_code for m in group.active_members()] + [centre]
    names = unit_names(session, list({*readers, *(m.unit_code for m in messages)}))
    mine = viewer_unit(group, actor)
    return {
        "group_id": group.id, "case_id": case.id, "my_unit": mine,
        "last_read_id": reads.get(mine, 0) if mine else None,
        "units": [{"unit": code, "name": names.get(code, code), "last_read_id": reads.get(code, 0)}
                  for code in readers],
        "messages": [{
            "id": m.id, "author": m.author_name, "unit": m.unit_code, "unit_name": names.get(m.unit_code, m.unit_code),
            "text": m.text, "mentions": m.mentions, "attachments": m.attachments, "created_at": m.created_at,
            "read_by": [code for code in readers if reads.get(code, 0) >= m.id],
        } for m in messages],
    }
