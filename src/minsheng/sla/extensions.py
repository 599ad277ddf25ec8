"""延期申请: the handling unit asks for more time on a running stage; the city centre decides.

Request: by the handling unit's staff (handler, town dispatcher) before the stage's deadline,
with a reason and the new deadline asked for. Decision: by the centre (city dispatcher,
supervisor, admin). An approval writes an `extend` line on the timeline, whose reason the clock
replay reads, and moves the deadline and its timers in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.cases.permissions import unit_covers
from minsheng.cases.rows import lock_case
from minsheng.cases.service import ensure_visible, record_event, unit_path
from minsheng.clock import to_local
from minsheng.db import for_update
from minsheng.directory import service as directory
from minsheng.directory.actors import Actor
from minsheng.errors import Conflict, Forbidden, InvalidField, NotFound
from minsheng.events.outbox import enqueue
from minsheng.events.publish import announce
from minsheng.sla.clocks import case_clocks, sync_case_clocks
from minsheng.sla.models import ExtensionRequest
from minsheng.sla.policy import STAGE_LABELS, ClockState, Stage, StageClock
from minsheng.sla.setup import sla_setup

REQUEST_ROLES = frozenset({"handler", "town_dispatcher", "admin"})
DECIDE_ROLES = frozenset({"city_dispatcher", "supervisor", "admin"})


def _fmt(when: datetime) -> str:
    local = to_local(when)
    assert local is not None
    return local.strftime("%Y-%m-%d %H:%M")


def _running_clock(session: Session, case: Case, stage: str, now: datetime) -> StageClock:
    setup = sla_setup(session)
    clocks = case_clocks(session, setup, case, now) if setup else []
    running = [c for c in clocks if c.stage.value == stage and c.running]
    running.sort(key=lambda c: c.unit != case.unit_code)  # the handling unit's own clock first
    if not running:
        raise Conflict(f"该案件的「{STAGE_LABELS.get(Stage(stage), stage)}」环节没有正在计时的时限")
    return running[0]


def _tell(session: Session, case: Case, event: str, to: dict[str, Any], now: datetime, req: ExtensionRequest) -> None:
    enqueue(session, "notify", {"event": event, "to": to, "params": {
        "case_id": case.id, "number": case.number, "stage": req.stage, "request_id": req.id,
        "requested_until": _fmt(req.requested_until), "reason": req.reason}},
        now=now, case_id=case.id, dedupe_key=f"sla-ext:{req.id}:{event}")
    announce(session, "case", case.id, action=event, status=case.status, unit=case.unit_code,
             town=case.town_code, number=case.number, track=case.track)


def request_extension(session: Session, case_id: int, actor: Actor, *, stage: str, until: datetime,
                      reason: str, now: datetime) -> ExtensionRequest:
    if stage not in Stage.__members__.values():
        raise InvalidField("stage", f"未知环节 {stage}")
    if not reason or not reason.strip():
        raise InvalidField("reason", "请填写延期理由（reason）")
    if until.tzinfo is None:
        raise InvalidField("until", "延期时间须带时区，例如 2026-11-28T17:30:00+08:00")
    case = lock_case(session, case_id)
    ensure_visible(session, case, actor)
    if actor.role not in REQUEST_ROLES or (
            actor.role != "admin" and not unit_covers(actor.unit_path, unit_path(session, case.unit_code))):
        raise Forbidden("只有承办单位可以申请延期")
    clock = _running_clock(session, case, stage, now)
    if clock.state is ClockState.OVERDUE:
        raise Conflict("该环节已超时，不能再申请延期")
    if until <= clock.deadline:
        raise InvalidField("until", f"申请的时限须晚于当前时限 {_fmt(clock.deadline)}")
    pending = session.scalar(select(ExtensionRequest.id).where(
        ExtensionRequest.case_id == case.id, ExtensionRequest.stage == stage, ExtensionRequest.status == "pending"))
    if pending is not None:
        raise Conflict("该环节已有待审批的延期申请")
    req = ExtensionRequest(
        case_id=case.id, stage=stage, clock_key=clock.key, reason=reason.strip(), requested_until=until,
        deadline_before=clock.deadline, requested_by=actor.user_id, requested_by_name=actor.label,
        unit_code=case.unit_code, requested_at=now, status="pending")
    session.add(req)
    session.flush()
    label = STAGE_LABELS[Stage(stage)]
    record_event(session, case, "extension_request", actor, now, from_status=case.status,
                 note=f"申请延期：{label}时限由 {_fmt(clock.deadline)} 延至 {_fmt(until)}，理由：{req.reason}",
                 data={"request_id": req.id, "stage": stage, "until": until.isoformat(), "reason": req.reason})
    centre = directory.centre_unit(session).code
    _tell(session, case, "sla_extension_requested",
          {"kind": "unit", "unit": centre, "roles": sorted(DECIDE_ROLES - {"admin"})}, now, req)
    return req


def decide_extension(session: Session, request_id: int, actor: Actor, *, approve: bool, now: datetime,
                     note: str = "", until: datetime | None = None) -> ExtensionRequest:
    if actor.role not in DECIDE_ROLES or not actor.sees_everything:
        raise Forbidden("延期申请由市中心审批")
    found = session.get(ExtensionRequest, request_id)
    if found is None:
        raise NotFound("延期申请不存在")
    case = lock_case(session, found.case_id)
    req = session.scalars(for_update(select(ExtensionRequest).where(ExtensionRequest.id == request_id),
                                     session, fresh=True)).one()
    if req.status != "pending":
        raise Conflict("该延期申请已处理")
    label = STAGE_LABELS[Stage(req.stage)]
    req.decided_by, req.decided_by_name, req.decided_at = actor.user_id, actor.label, now
    req.decision_note = note.strip() or None
    if approve:
        granted = until or req.requested_until
        if granted.tzinfo is None:
            raise InvalidField("until", "延期时间须带时区")
        clock = _running_clock(session, case, req.stage, now)
        if granted <= clock.deadline:
            raise InvalidField("until", f"批准的时限须晚于当前时限 {_fmt(clock.deadline)}")
        req.status, req.granted_until = "approved", granted
        record_event(session, case, "extend", actor, now, from_status=case.status,
                     note=f"同意延期：{label}时限延至 {_fmt(granted)}（理由：{req.reason}）"
                          + (f"；{req.decision_note}" if req.decision_note else ""),
                     data={"request_id": req.id, "stage": req.stage, "until": granted.isoformat(),
                           "reason": req.reason})
        sync_case_clocks(session, case, now)
        event = "sla_extension_approved"
    else:
        if not req.decision_note:
            raise InvalidField("note", "请填写不同意延期的理由（note）")
        req.status = "rejected"
        record_event(session, case, "extension_rejected", actor, now, from_status=case.status,
                     note=f"不同意延期（{label}）：{req.decision_note}",
                     data={"request_id": req.id, "stage": req.stage, "reason": req.decision_note})
        event = "sla_extension_rejected"
    case.updated_at = now
    _tell(session, case, event, {"kind": "unit", "unit": req.unit_code, "roles": ["handler", "town_dispatcher"]},
          now, req)
    return req


def list_requests(session: Session, actor: Actor, *, status: str | None = "pending", case_id: int | None = None,
                  limit: int = 200) -> list[ExtensionRequest]:
    """Requests on the cases this actor may see, newest first."""
    stmt = select(ExtensionRequest).join(Case, Case.id == ExtensionRequest.case_id).order_by(
        ExtensionRequest.requested_at.desc(), ExtensionRequest.id.desc())
    scope = directory.case_scope(session, actor)
    if scope is not None:
        stmt = stmt.where(scope)
    if status:
        stmt = stmt.where(ExtensionRequest.status == status)
    if case_id is not None:
        stmt = stmt.where(ExtensionRequest.case_id == case_id)
    return list(session.scalars(stmt.limit(limit)))
