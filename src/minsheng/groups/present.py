"""The group as the API and the console show it: members with their clocks, what the viewer may do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.cases.queries import get_case
from minsheng.cases.service import allowed_for
from minsheng.directory.actors import Actor
from minsheng.groups import clocks
from minsheng.groups.models import Group, GroupMember, GroupMessage, MessageRead
from minsheng.groups.rows import (
    CENTRE_ROLES,
    FORM_ROLES,
    MEMBER_ROLES,
    ROLE_LABELS,
    STATUS_LABELS,
    calendar_and_limits,
    is_centre,
    require_group,
    unit_names,
)

LEAVE_LABELS = {"pending": "待市中心决定", "approved": "已同意退出", "refused": "不同意退出"}


def member_clocks(cal: clocks.Calendar, limits: clocks.Limits, group: Group, m: GroupMember, now: datetime,
                  paused: bool) -> list[clocks.MemberClock]:
    ended = m.left_at or (group.closed_at if group.status == "closed" else None)
    found = [clocks.member_clock(cal, stage, m.clock_started_at, due, done, now, warn_at=limits.warn_at,
                                 ended_at=ended, paused=paused)
             for stage, due, done in ((clocks.SIGN, m.sign_due_at, m.signed_at),
                                      (clocks.PART, m.part_due_at, m.part_at))]
    return [c for c in found if c is not None]


def _member(m: GroupMember, names: dict[str, str], member_clocks: list[clocks.MemberClock]) -> dict[str, Any]:
    leave = None
    if m.leave_status:
        leave = {"status": m.leave_status, "label": LEAVE_LABELS[m.leave_status], "reason": m.leave_reason,
                 "requested_at": m.leave_requested_at, "decided_at": m.leave_decided_at,
                 "decided_by": m.leave_decided_by_name, "note": m.leave_note}
    return {
        "unit": m.unit_code, "name": names.get(m.unit_code, m.unit_code), "role": m.role,
        "role_label": ROLE_LABELS[m.role], "reason": m.reason, "active": m.left_at is None,
        "joined_at": m.joined_at, "clock_started_at": m.clock_started_at, "sign_due_at": m.sign_due_at,
        "part_due_at": m.part_due_at, "signed_at": m.signed_at, "signed_by": m.signed_by_name,
        "part_text": m.part_text if m.role == "co" else None, "part_at": m.part_at,
        "part_updated_at": m.part_updated_at, "part_by": m.part_by_name, "left_at": m.left_at, "leave": leave,
        "clocks": [c.as_dict() for c in member_clocks],
        "overdue": any(c.state in ("overdue", "missed") for c in member_clocks),
    }


def viewer_unit(group: Group, actor: Actor) -> str | None:
    """The unit whose read state the actor moves: its member unit, or the supervising centre."""
    if actor.role in MEMBER_ROLES and group.member(actor.unit_code) is not None:
        return actor.unit_code
    return actor.unit_code if is_centre(actor) else None


def actions_for(session: Session, case: Case, group: Group, actor: Actor) -> list[str]:
    """The group actions this actor may take now (the console shows these buttons)."""
    if group.status == "closed":
        return []
    can: list[str] = []
    member = group.member(actor.unit_code) if actor.role in MEMBER_ROLES else None
    if member is not None:
        if member.signed_at is None:
            can.append("sign")
        if member.role == "co" and group.status == "active" and member.signed_at is not None:
            can.append("part")
        if member.role == "co" and member.leave_status != "pending":
            can.append("leave")
    if group.status == "active" and "feedback" in allowed_for(session, case, actor):
        can.append("joint_feedback")
    if group.status == "active" and is_centre(actor, FORM_ROLES):
        can.append("add_member")
    if is_centre(actor, CENTRE_ROLES) and any(m.leave_status == "pending" for m in group.active_members()):
        can.append("decide_leave")
    if viewer_unit(group, actor) is not None:
        can.append("post")
    return can


def thread_counts(session: Session, group: Group, unit: str | None) -> tuple[int, int]:
    """(messages in the thread, messages the unit has not read)."""
    total = session.scalar(select(func.count(GroupMessage.id)).where(GroupMessage.group_id == group.id)) or 0
    if unit is None:
        return total, 0
    read = session.get(MessageRead, (group.id, unit))
    unread = session.scalar(select(func.count(GroupMessage.id)).where(
        GroupMessage.group_id == group.id, GroupMessage.id > (read.last_read_id if read else 0))) or 0
    return total, unread


def group_view(session: Session, case: Case, group: Group, actor: Actor, now: datetime) -> dict[str, Any]:
    cal, limits = calendar_and_limits(session, case.track)
    names = unit_names(session, [m.unit_code for m in group.members] + [group.lead_unit])
    members = [_member(m, names, member_clocks(cal, limits, group, m, now, case.suspended))
               for m in group.members]
    total, unread = thread_counts(session, group, viewer_unit(group, actor))
    return {
        "id": group.id, "case_id": case.id, "status": group.status, "status_label": STATUS_LABELS[group.status],
        "lead": group.lead_unit, "lead_name": names.get(group.lead_unit, group.lead_unit),
        "formed_at": group.formed_at, "formed_by": group.formed_by_name, "note": group.note,
        "members": members,
        "joint": {"text": group.joint_text, "at": group.joint_at, "by": group.joint_by_name,
                  "parts": group.joint_parts} if group.joint_at else None,
        "closed_at": group.closed_at, "messages": total, "unread": unread,
        "my_unit": viewer_unit(group, actor), "can": actions_for(session, case, group, actor),
    }


def group_of_case(session: Session, case_id: int, actor: Actor, now: datetime) -> dict[str, Any]:
    case = get_case(session, actor, case_id)
    return group_view(session, case, require_group(session, case, open_only=False), actor, now)
