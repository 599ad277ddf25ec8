"""How groups plug into the core (imported through minsheng.domains.LISTENERS).

- scope: a member unit (and the units above it) sees its group's case;
- guard: on a group case a co-unit acts only through the group, the case is not reassigned or
  returned, and the feedback waits for every co-unit's part;
- transitions: the case's sign, feedback, reject, approve and reopen move the group;
- the case detail carries the group (`extra["group"]`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from minsheng.cases import hooks, present, service
from minsheng.cases.models import Case
from minsheng.cases.service import scope_fields
from minsheng.cases.workflow import Action
from minsheng.clock import utcnow
from minsheng.directory import service as directory
from minsheng.directory.actors import Actor
from minsheng.errors import Conflict, DomainError, Forbidden
from minsheng.events.publish import announce
from minsheng.groups import notices  # noqa: F401  (the texts of the group notifications)
from minsheng.groups.models import GroupMember
from minsheng.groups.present import group_view
from minsheng.groups.rows import group_of, restart, timeline, unit_names
from minsheng.groups.service import may_form


def member_scope(session: Session, actor: Actor, codes: list[str]) -> ColumnElement[bool] | None:
    return Case.group_id.in_(select(GroupMember.group_id).where(
        GroupMember.unit_code.in_(codes), GroupMember.left_at.is_(None)))


def group_guard(session: Session, case: Case, actor: Actor, action: Action) -> DomainError | None:
    group = group_of(session, case)
    if group is None or group.status == "closed":
        return None
    if action in (Action.ASSIGN, Action.RETURN):
        return Conflict("组群案件不能改派或退单；请由市社会治理中心调整组群成员")
    member = group.member(actor.unit_code)
    if member is not None and member.role == "co" and actor.role not in ("admin", "team_member"):
        return Forbidden("协办单位通过组群办理（签收、提交办理意见、申请退出），不能直接操作案件")
    if action is Action.FEEDBACK:
        missing = [m.unit_code for m in group.active_members() if m.role == "co" and m.part_at is None]
        if missing:
            names = unit_names(session, missing)
            return Conflict(f"协办单位尚未提交办理意见：{'、'.join(names.get(c, c) for c in missing)}")
    return None


@hooks.on_transition
def follow_case(session: Session, t: hooks.Transition) -> None:
    group = group_of(session, t.case)
    if group is None:
        return
    # co-units see the case through the group, which the "case" announcement's scope fields do not show
    announce(session, "group", t.case.id, action=t.action, group_id=group.id, status=t.case.status,
             via_case=True, **scope_fields(t.case))
    lead = next((m for m in group.active_members() if m.role == "lead"), None)
    if t.action == Action.SIGN.value and lead is not None and lead.signed_at is None:
        lead.signed_at, lead.signed_by_name = t.at, t.actor.label
    elif t.action == Action.FEEDBACK.value:
        co = [m for m in group.active_members() if m.role == "co"]
        names = unit_names(session, [m.unit_code for m in co])
        group.status, group.joint_text, group.joint_at = "answered", t.case.feedback_text, t.at
        group.joint_by_name = t.actor.label
        group.joint_parts = [{"unit": m.unit_code, "name": names.get(m.unit_code, m.unit_code),
                              "text": m.part_text, "at": m.part_at.isoformat() if m.part_at else None} for m in co]
        if lead is not None:
            lead.part_text, lead.part_by_name = t.case.feedback_text, t.actor.label
            lead.part_at = lead.part_at or t.at
            lead.part_updated_at = t.at
    elif t.action == Action.REJECT.value:
        group.status = "active"
    elif t.action in (Action.APPROVE.value, Action.CLOSE.value):
        group.status, group.closed_at = "closed", t.at
    elif t.action == Action.REOPEN.value:
        group.status, group.closed_at, group.joint_at = "active", None, None
        members = group.active_members()
        for member in members:
            restart(member, t.at)
        co_units = [m.unit_code for m in members if m.role == "co"]
        labels = unit_names(session, co_units)
        timeline(session, t.case, "group_restart", t.actor, t.at,
                 f"重新办理：各成员单位重新签收、重新计时（协办：{'、'.join(labels.get(c, c) for c in co_units)}）",
                 {"units": co_units})


def group_detail(session: Session, case: Case, actor: Actor) -> dict[str, Any]:
    group = group_of(session, case)
    if group is not None:
        return {"group": group_view(session, case, group, actor, utcnow())}
    return {"group": None, "group_can_form": may_form(case, actor)}


if member_scope not in directory.scope_extensions:
    directory.scope_extensions.append(member_scope)
if group_guard not in service.action_guards:
    service.action_guards.append(group_guard)
if group_detail not in present.detail_extensions:
    present.detail_extensions.append(group_detail)
