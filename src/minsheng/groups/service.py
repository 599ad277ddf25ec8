"""Group actions: propose, form, sign, record a part, joint feedback, leave, add. One transaction each.

How a group drives its case (through `cases.service.do_action`, the only code that changes status):
- forming assigns the case to the lead unit (`assign`; a signed case is reassigned, 改派);
- the lead unit's sign is the case's `sign`; each co-unit signs only its own membership, on its own
  clock — the case does not wait for the slowest co-unit to sign;
- the lead's joint feedback is the case's `feedback` (refused until every co-unit has recorded its
  part); the centre's `approve` closes the case and the group; `reject` reopens the group's work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case, CaseEvent
from minsheng.cases.queries import get_case
from minsheng.cases.rows import lock_case
from minsheng.cases.schemas import ActionBody
from minsheng.cases.service import do_action, ensure_visible
from minsheng.cases.workflow import Status
from minsheng.clock import utcnow
from minsheng.directory.actors import Actor
from minsheng.directory.models import Category, Unit
from minsheng.errors import Conflict, InvalidField
from minsheng.groups import proposal as prop
from minsheng.groups.models import Group, GroupMember
from minsheng.groups.rows import (
    FORM_ROLES,
    ROLE_LABELS,
    acting_member,
    is_centre,
    notify_unit,
    require_centre,
    require_group,
    restart,
    timeline,
    unit_names,
)
from minsheng.groups.schemas import GroupForm
from minsheng.sla.models import SlaClock

FORMABLE = frozenset({Status.RECEIVED.value, Status.ASSIGNED.value, Status.SIGNED.value})
MEMBER_KINDS = frozenset({"department", "utility", "town_centre", "village"})


def facts_of(session: Session, case: Case) -> prop.CaseFacts:
    category = session.get(Category, case.category_code) if case.category_code else None
    suggested = []
    for top in (case.suggestions or {}).get("top") or []:
        cat = session.get(Category, top.get("category") or "")
        if cat is not None and top.get("unit"):
            suggested.append((str(top["unit"]), cat.name, float(top.get("confidence") or 0)))
    return prop.CaseFacts(
        content=case.content, address=case.address, category_code=case.category_code,
        category_name=category.name if category else None, category_dept=category.dept if category else None,
        town_code=case.town_code, village_code=case.village_code, current_unit=case.unit_code,
        suggested=tuple(suggested))


def unit_infos(session: Session) -> list[prop.UnitInfo]:
    return [prop.UnitInfo(u.code, u.name, u.kind, u.duties, u.town_code, u.division_code)
            for u in session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.path))]


def may_form(case: Case, actor: Actor) -> bool:
    """The actor may form a group for this case now (the one-click button shows)."""
    return (case.group_id is None and is_centre(actor, FORM_ROLES) and case.status in FORMABLE
            and not case.suspended and not case.merged)


def do_propose_group(session: Session, case_id: int, actor: Actor) -> prop.Proposal:
    """The one-click proposal for a case (reads only)."""
    case = get_case(session, actor, case_id)
    require_centre(actor, FORM_ROLES)
    return prop.propose(facts_of(session, case), unit_infos(session))


def addable_units(session: Session, case_id: int, actor: Actor) -> list[prop.UnitInfo]:
    """Units the centre may still add to the case's group."""
    case = get_case(session, actor, case_id)
    require_centre(actor, FORM_ROLES)
    inside = {m.unit_code for m in require_group(session, case).active_members()}
    return [u for u in unit_infos(session) if u.kind in MEMBER_KINDS and u.code not in inside]


def _member_unit(session: Session, code: str, field: str) -> Unit:
    unit = session.get(Unit, code)
    if unit is None or not unit.active:
        raise InvalidField(field, f"未知单位代码 {code}")
    if unit.kind not in MEMBER_KINDS:
        raise InvalidField(field, f"{unit.name} 是督办中心，不能作为组群成员")
    return unit


def _waiting_since(session: Session, case: Case) -> datetime:
    """When the case came to the centre's desk: its last raise to the city level, else its receipt."""
    raises = session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "escalate").order_by(CaseEvent.id.desc())).all()
    for event in raises:
        if (event.data or {}).get("to_level") == "city":
            return event.at
    return case.created_at


def do_form_group(session: Session, case_id: int, form: GroupForm, actor: Actor, *,
                  now: datetime | None = None) -> Group:
    """Form the group the dispatcher confirmed: the case goes to the lead, every member is notified
    and every member's sign-for clock starts now."""
    now = now or utcnow()
    case = lock_case(session, case_id)
    ensure_visible(session, case, actor)
    require_centre(actor, FORM_ROLES)
    if case.group_id is not None:
        raise Conflict("该案件已组群；如需增加单位，请在组群中追加成员")
    if case.status not in FORMABLE or case.suspended or case.merged:
        raise Conflict("只有待派单、待签收或已签收（未派遣队伍）且未挂起的案件可以组群")
    lead = _member_unit(session, form.lead, "lead")
    co_codes = list(dict.fromkeys(c for c in form.members if c != lead.code))
    if not co_codes:
        raise InvalidField("members", "请至少选择一个协办单位")
    co_units = [_member_unit(session, code, "members") for code in co_codes]
    offered = prop.propose(facts_of(session, case), unit_infos(session))
    reasons = {c.unit: c.reasons for c in ([offered.lead] if offered.lead else []) + list(offered.members)}
    waiting_since = _waiting_since(session, case)

    names = "、".join(u.name for u in co_units)
    do_action(session, case.id, "assign", ActionBody(unit=lead.code, note=f"一键组群，牵头；协办：{names}"),
              actor, now=now)
    group = Group(case_id=case.id, lead_unit=lead.code, status="active", formed_by=actor.user_id,
                  formed_by_name=actor.label, formed_at=now, waiting_since=waiting_since, note=form.note or "",
                  proposal={"lead": offered.lead.unit if offered.lead else None,
                            "members": [m.unit for m in offered.members]})
    session.add(group)
    session.flush()
    case.group_id = group.id
    for unit, role in [(lead, "lead"), *((u, "co") for u in co_units)]:
        member = GroupMember(group_id=group.id, unit_code=unit.code, role=role, joined_at=now, clock_started_at=now,
                             reason="；".join(reasons.get(unit.code, [])) or "调度员选定")
        group.members.append(member)
    session.flush()
    timeline(session, case, "group_form", actor, now,
             f"一键组群：牵头单位 {lead.name}；协办单位 {names}" + (f"（{form.note}）" if form.note else ""),
             {"group_id": group.id, "lead": lead.code, "members": co_codes,
              "proposed": group.proposal})
    due = sign_deadlines(session, case)
    for m in group.members:
        notify_unit(session, "group_joined", case, m.unit_code, now, f"joined:{m.unit_code}:{now.isoformat()}",
                    role=m.role, role_label=ROLE_LABELS[m.role], lead=lead.name, due_at=_iso(due.get(m.unit_code)))
    return group


def sign_deadlines(session: Session, case: Case) -> dict[str, datetime]:
    """Each unit's running sign-for deadline on the case (from the SLA clocks)."""
    return {unit: due for unit, due in session.execute(select(SlaClock.unit_code, SlaClock.deadline).where(
        SlaClock.case_id == case.id, SlaClock.stage == "sign", SlaClock.stopped_at.is_(None))) if unit}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def do_member_sign(session: Session, case_id: int, actor: Actor, *, now: datetime | None = None) -> Group:
    """A member unit signs for its part of the group; the lead's sign is the case's sign."""
    now = now or utcnow()
    case = lock_case(session, case_id)
    ensure_visible(session, case, actor)
    group = require_group(session, case)
    member = acting_member(group, actor)
    if member.signed_at is not None:
        raise Conflict("本单位已签收")
    if member.role == "lead" and case.status == Status.ASSIGNED.value:
        do_action(session, case.id, "sign", ActionBody(note="牵头单位签收（一键组群）"), actor, now=now)
        return group  # the sign listener marks the lead's membership
    member.signed_at, member.signed_by_name = now, actor.label
    name = unit_names(session, [member.unit_code]).get(member.unit_code, member.unit_code)
    timeline(session, case, "group_sign", actor, now, f"{ROLE_LABELS[member.role]} {name} 签收",
             {"unit": member.unit_code, "role": member.role})
    return group


def do_record_part(session: Session, case_id: int, text: str, actor: Actor, *,
                   now: datetime | None = None) -> Group:
    """A co-unit records (or revises, until the joint feedback) its part of the answer."""
    now = now or utcnow()
    case = lock_case(session, case_id)
    ensure_visible(session, case, actor)
    group = require_group(session, case)
    member = acting_member(group, actor)
    if member.role == "lead":
        raise Conflict("牵头单位请撰写联合答复（引用各协办单位的办理意见）")
    if group.status != "active":
        raise Conflict("联合答复已提交，等待审核；如需修改请待市中心退回重办")
    if member.signed_at is None:
        raise Conflict("请先签收，再提交办理意见")
    revised = member.part_at is not None
    member.part_text, member.part_updated_at, member.part_by_name = text, now, actor.label
    member.part_at = member.part_at or now
    name = unit_names(session, [member.unit_code]).get(member.unit_code, member.unit_code)
    verb = "修改" if revised else "提交"
    timeline(session, case, "group_part", actor, now, f"协办单位 {name} {verb}办理意见：{text}",
             {"unit": member.unit_code, "revised": revised})
    notify_unit(session, "group_part_recorded", case, group.lead_unit, now,
                f"part:{member.unit_code}:{now.isoformat()}", unit=member.unit_code, unit_name=name)
    return group


def joint_text(text: str, parts: list[tuple[str, str]]) -> str:
    """The lead's answer followed by the co-units' parts it cites."""
    cited = "\n".join(f"{i}. {name}：{part}" for i, (name, part) in enumerate(parts, 1))
    return f"{text}\n\n【协办单位办理情况】\n{cited}" if parts else text


def do_joint_feedback(session: Session, case_id: int, text: str, actor: Actor, *,
                      now: datetime | None = None) -> Case:
    """The lead writes the joint feedback citing every co-unit's part: the case's `feedback`."""
    now = now or utcnow()
    case = lock_case(session, case_id)
    ensure_visible(session, case, actor)
    group = require_group(session, case)
    if group.status != "active":
        raise Conflict("联合答复已提交，等待审核")
    co = [m for m in group.active_members() if m.role == "co"]
    names = unit_names(session, [m.unit_code for m in co])
    missing = [names.get(m.unit_code, m.unit_code) for m in co if m.part_at is None]
    if missing:
        raise Conflict(f"协办单位尚未提交办理意见：{'、'.join(missing)}")
    parts = [(names.get(m.unit_code, m.unit_code), m.part_text or "") for m in co]
    # the composed text may run past the 4000 characters one API text may carry: built here, not parsed
    body = ActionBody.model_construct(text=joint_text(text, parts))
    return do_action(session, case.id, "feedback", body, actor, now=now)


def do_request_leave(session: Session, case_id: int, reason: str, actor: Actor, *,
                     now: datetime | None = None) -> Group:
    """A co-unit asks to leave the group, with its reason; the centre decides."""
    now = now or utcnow()
    case = lock_case(session, case_id)
    ensure_visible(session, case, actor)
    group = require_group(session, case)
    member = acting_member(group, actor)
    if member.role == "lead":
        raise Conflict("牵头单位不能退出组群；如需更换牵头单位，请联系市社会治理中心")
    if member.leave_status == "pending":
        raise Conflict("已申请退出，等待市中心决定")
    member.leave_reason, member.leave_requested_at, member.leave_status = reason, now, "pending"
    member.leave_decided_at = member.leave_decided_by_name = member.leave_note = None
    name = unit_names(session, [member.unit_code]).get(member.unit_code, member.unit_code)
    timeline(session, case, "group_leave_request", actor, now, f"{name} 申请退出组群：{reason}",
             {"unit": member.unit_code, "reason": reason})
    notify_unit(session, "group_leave_requested", case, case.command_unit_code or "SZZX", now,
                f"leave:{member.unit_code}:{now.isoformat()}", roles=["city_dispatcher", "supervisor"],
                unit=member.unit_code, unit_name=name, reason=reason)
    return group


def do_decide_leave(session: Session, case_id: int, unit: str, approve: bool, note: str | None, actor: Actor,
                    *, now: datetime | None = None) -> Group:
    """The centre lets a co-unit leave (its clocks stop) or keeps it in the group."""
    now = now or utcnow()
    case = lock_case(session, case_id)
    ensure_visible(session, case, actor)
    require_centre(actor)
    group = require_group(session, case)
    member = group.member(unit)
    if member is None or member.leave_status != "pending":
        raise Conflict("该单位没有待决定的退出申请")
    if not approve and not note:
        raise InvalidField("note", "不同意退出时请说明理由")
    member.leave_status = "approved" if approve else "refused"
    member.leave_decided_at, member.leave_decided_by_name, member.leave_note = now, actor.label, note
    if approve:
        member.left_at = now
    name = unit_names(session, [unit]).get(unit, unit)
    verdict = "同意" if approve else "不同意"
    timeline(session, case, "group_leave_decision", actor, now,
             f"{verdict} {name} 退出组群" + (f"：{note}" if note else ""),
             {"unit": unit, "approve": approve, "note": note})
    notify_unit(session, "group_leave_decided", case, unit, now, f"leave-decided:{unit}:{now.isoformat()}",
                approve=approve, verdict=verdict, note=note or "")
    return group


def do_add_member(session: Session, case_id: int, unit_code: str, reason: str | None, actor: Actor, *,
                  now: datetime | None = None) -> Group:
    """The centre adds a unit to the group later; its clocks start now."""
    now = now or utcnow()
    case = lock_case(session, case_id)
    ensure_visible(session, case, actor)
    require_centre(actor, FORM_ROLES)
    group = require_group(session, case)
    if group.status != "active":
        raise Conflict("联合答复已提交；如需追加单位，请先退回重办")
    unit = _member_unit(session, unit_code, "unit")
    if group.member(unit.code) is not None:
        raise Conflict(f"{unit.name} 已是组群成员")
    member = next((m for m in group.members if m.unit_code == unit.code), None)
    if member is None:
        member = GroupMember(unit_code=unit.code, role="co", joined_at=now, clock_started_at=now)
        group.members.append(member)
    else:  # a unit that left comes back
        member.left_at = member.leave_status = member.leave_reason = member.leave_requested_at = None
        member.leave_decided_at = member.leave_decided_by_name = member.leave_note = None
        restart(member, now)
    member.joined_at, member.reason = now, reason or "市中心追加"
    session.flush()
    timeline(session, case, "group_add", actor, now, f"追加协办单位 {unit.name}" + (f"：{reason}" if reason else ""),
             {"unit": unit.code, "reason": reason})
    notify_unit(session, "group_joined", case, unit.code, now, f"joined:{unit.code}:{now.isoformat()}",
                role="co", role_label=ROLE_LABELS["co"], lead=unit_names(session, [group.lead_unit]).get(
                    group.lead_unit, group.lead_unit), due_at=_iso(sign_deadlines(session, case).get(unit.code)))
    return group
