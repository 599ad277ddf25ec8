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
    is_centre,
    require_group,
    unit_names,
)
from minsheng.sla.calendar import ContinuousCalendar
from minsheng.sla.countdown import live_clock
from minsheng.sla.models import SlaClock
from minsheng.sla.setup import sla_setup

LEAVE_LABELS = {"pending": "待市中心决定", "approved": "已同意退出", "refused": "不同意退出"}


def member_clocks(session: Session, case: Case, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Each unit's latest sign-for and part clocks on the case, from the SLA clock rows."""
    setup = sla_setup(session)
    track = setup.track(case.track) if setup else None
    calendar = setup.calendar_for(track) if setup and track else ContinuousCalendar()
    latest: dict[tuple[str, str], SlaClock] = {}
    for row in session.scalars(select(SlaClock).where(
            SlaClock.case_id == case.id, SlaClock.stage.in_(list(clocks.STAGE_KEYS))).order_by(SlaClock.round)):
        if row.unit_code:
            latest[(row.unit_code, row.stage)] = row
    out: dict[str, list[dict[str, Any]]] = {}
    for (unit, stage), row in sorted(latest.items(), key=lambda kv: (kv[0][0], kv[0][1] != "sign")):
        key = clocks.STAGE_KEYS[stage]
        if row.stopped_at is None and case.status != "closed":
            live = live_clock(row, calendar, case.suspended, now)
            state, due, remaining = live["state"], live["due_at"], live["remaining_seconds"]
        else:
            state, due, remaining = row.state, row.deadline, row.remaining_seconds
        out.setdefault(unit, []).append({
            "stage": key, "label": clocks.STAGE_LABELS[key], "started_at": row.started_at, "due_at": due,
            "warn_at": row.warn_at, "done_at": row.stopped_at if state in ("met", "missed") else None,
            "state": state, "state_label": clocks.STATE_LABELS.get(state, state),
            "remaining_seconds": round(remaining), "round": row.round})
    return out


def _member(m: GroupMember, names: dict[str, str], its_clocks: list[dict[str, Any]]) -> dict[str, Any]:
    leave = None
    if m.leave_status:
        leave = {"status": m.leave_status, "label": LEAVE_LABELS[m.leave_status], "reason": m.leave_reason,
                 "requested_at": m.leave_requested_at, "decided_at": m.leave_decided_at,
                 "decided_by": m.leave_decided_by_name, "note": m.leave_note}
    return {
        "unit": m.unit_code, "name": names.get(m.unit_code, m.unit_code), "role": m.role,
        "role_label": ROLE_LABELS[m.role], "reason": m.reason, "active": m.left_at is None,
        "joined_at": m.joined_at, "clock_started_at": m.clock_started_at,
        "sign_due_at": next((c["due_at"] for c in its_clocks if c["stage"] == "sign"), None),
        "part_due_at": next((c["due_at"] for c in its_clocks if c["stage"] == "part"), None),
        "signed_at": m.signed_at, "signed_by": m.signed_by_name,
        "part_text": m.part_text if m.role == "co" else None, "part_at": m.part_at,
        "part_updated_at": m.part_updated_at, "part_by": m.part_by_name, "left_at": m.left_at, "leave": leave,
        "clocks": its_clocks,
        "overdue": any(c["state"] in ("overdue", "missed") for c in its_clocks),
    }


def _since(its_clocks: list[dict[str, Any]], m: GroupMember) -> list[dict[str, Any]]:
    """The member's clocks of its time in the group (not those of the case before the group)."""
    return [c for c in its_clocks if c["started_at"] >= m.clock_started_at]


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
    names = unit_names(session, [m.unit_code for m in group.members] + [group.lead_unit])
    by_unit = member_clocks(session, case, now)
    members = [_member(m, names, _since(by_unit.get(m.unit_code, []), m)) for m in group.members]
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
