"""Shared helpers of the group actions: find the group and the acting member, clocks, outbox, timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.cases.service import record_event
from minsheng.directory.actors import Actor
from minsheng.directory.models import Unit
from minsheng.errors import Conflict, Forbidden, NotFound
from minsheng.events.outbox import enqueue
from minsheng.events.publish import announce
from minsheng.groups import clocks
from minsheng.groups.models import Group, GroupMember
from minsheng.sla.clocks import sync_case_clocks

# Staff of the city centre who run groups: form them, add units, decide on leave requests.
FORM_ROLES = frozenset({"city_dispatcher", "admin"})
CENTRE_ROLES = frozenset({"city_dispatcher", "supervisor", "admin"})
# Roles through which a member unit acts in its group.
MEMBER_ROLES = frozenset({"handler", "town_dispatcher"})
ROLE_LABELS = {"lead": "牵头单位", "co": "协办单位"}
STATUS_LABELS = {"active": "办理中", "answered": "联合答复待审核", "closed": "已办结"}


def group_of(session: Session, case: Case) -> Group | None:
    return session.get(Group, case.group_id) if case.group_id is not None else None


def require_group(session: Session, case: Case, *, open_only: bool = True) -> Group:
    group = group_of(session, case)
    if group is None:
        raise NotFound("该案件尚未组群")
    if open_only and group.status == "closed":
        raise Conflict("组群案件已办结")
    return group


def is_centre(actor: Actor, roles: frozenset[str] = CENTRE_ROLES) -> bool:
    return actor.sees_everything and actor.role in roles


def require_centre(actor: Actor, roles: frozenset[str] = CENTRE_ROLES) -> None:
    if not is_centre(actor, roles):
        raise Forbidden("只有市社会治理中心可以执行该操作")


def acting_member(group: Group, actor: Actor) -> GroupMember:
    """The actor's unit in the group (only through a unit role: handler or town dispatcher)."""
    member = group.member(actor.unit_code)
    if member is None or actor.role not in MEMBER_ROLES:
        raise Forbidden("本单位不是该组群的成员")
    return member


def unit_names(session: Session, codes: list[str] | None = None) -> dict[str, str]:
    stmt = select(Unit.code, Unit.name)
    if codes is not None:
        stmt = stmt.where(Unit.code.in_(codes))
    return {code: name for code, name in session.execute(stmt).all()}


def restart(member: GroupMember, now: datetime) -> None:
    """The member starts afresh (joining, or the case reopened): its SLA clocks start with the
    timeline line that records it (see groups.clocks)."""
    member.clock_started_at = now
    member.signed_at = member.signed_by_name = None
    member.part_text = member.part_at = member.part_updated_at = member.part_by_name = None


def notify_unit(session: Session, event: str, case: Case, to_unit: str, now: datetime, dedupe: str,
                roles: list[str] | None = None, **params: Any) -> None:
    """A "notify" outbox message to a unit (its staff, or only `roles`), written once per `dedupe`."""
    to: dict[str, Any] = {"kind": "unit", "unit": to_unit}
    if roles:
        to["roles"] = roles
    enqueue(session, "notify", {"event": event, "to": to, "params": {
        "case_id": case.id, "case_number": case.number, "content": case.content[:120], **params}},
        now=now, case_id=case.id, dedupe_key=f"group:{case.group_id}:{dedupe}")


def timeline(session: Session, case: Case, action: str, actor: Actor, now: datetime, note: str,
             data: dict[str, Any]) -> None:
    """A group step on the case's timeline, announced to live consoles; the SLA clocks follow it."""
    case.updated_at = now
    record_event(session, case, action, actor, now, from_status=case.status, note=note, data=data)
    if action in clocks.LINES:
        sync_case_clocks(session, case, now)
    announce(session, "group", case.id, action=action, group_id=case.group_id, status=case.status,
             unit=data.get("unit"))
