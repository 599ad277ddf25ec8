"""SLA endpoints: on-time rates, extension requests (延期申请), breaches, calendar warnings. Thin."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from minsheng.api.deps import ReadSession, StaffActor, WriteSession
from minsheng.clock import utcnow
from minsheng.errors import Forbidden
from minsheng.inputs import InputModel, Moment
from minsheng.sla import extensions, queries, rates
from minsheng.sla.models import ExtensionRequest

router = APIRouter(prefix="/api/v1", tags=["sla"])


class ExtensionIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    stage: str = Field(max_length=16, description="sign | dispatch | contact | feedback")
    until: Moment = Field(description="申请延至的时限（带时区）")
    reason: str = Field(min_length=2, max_length=2000)


class DecisionIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field("", max_length=2000)
    until: Moment | None = Field(None, description="批准时可调整时限；默认按申请")


class ExtensionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int
    stage: str
    reason: str
    requested_until: datetime
    deadline_before: datetime
    requested_by_name: str
    unit_code: str | None
    requested_at: datetime
    status: str
    granted_until: datetime | None
    decided_by_name: str | None
    decided_at: datetime | None
    decision_note: str | None


class RateOut(BaseModel):
    period: str
    stage: str
    stage_label: str
    unit: str | None
    town: str | None
    total: int
    on_time: int
    missed: int
    rate: float | None


class RatesOut(BaseModel):
    period: str
    by: str
    rows: list[RateOut]
    totals: list[RateOut]
    warnings: list[str]


def _rate(row: rates.RateRow) -> RateOut:
    return RateOut(period=row.period, stage=row.stage, stage_label=row.stage_label, unit=row.unit, town=row.town,
                   total=row.total, on_time=row.on_time, missed=row.missed, rate=row.rate)


@router.get("/stats/sla", response_model=RatesOut, summary="按时率（签收、派驻、反馈……）按单位/街道、日/周/月")
def sla_stats(
    actor: StaffActor, session: ReadSession,
    period: Annotated[rates.Period, Query()] = "day", by: Annotated[rates.GroupBy, Query()] = "none",
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    track: str | None = None, stage: str | None = None,
) -> RatesOut:
    now = utcnow()
    rows, totals = rates.sla_rates(session, actor, now=now, period=period, by=by, start=date_from, end=date_to,
                                   track=track, stage=stage)
    return RatesOut(period=period, by=by, rows=[_rate(r) for r in rows], totals=[_rate(r) for r in totals],
                    warnings=queries.calendar_warnings(session, now))


@router.post("/cases/{case_id}/extensions", status_code=201, response_model=ExtensionOut, summary="申请延期")
def request_extension(case_id: int, body: ExtensionIn, actor: StaffActor, session: WriteSession) -> ExtensionRequest:
    return extensions.request_extension(session, case_id, actor, stage=body.stage, until=body.until,
                                        reason=body.reason, now=utcnow())


@router.get("/sla/extensions", response_model=list[ExtensionOut], summary="延期申请列表")
def list_extensions(actor: StaffActor, session: ReadSession, status: str | None = "pending",
                    case_id: int | None = None) -> list[ExtensionRequest]:
    return extensions.list_requests(session, actor, status=status or None, case_id=case_id)


@router.post("/sla/extensions/{request_id}/approve", response_model=ExtensionOut, summary="同意延期（市中心）")
def approve_extension(request_id: int, actor: StaffActor, session: WriteSession,
                      body: DecisionIn | None = None) -> ExtensionRequest:
    body = body or DecisionIn()
    return extensions.decide_extension(session, request_id, actor, approve=True, note=body.note, until=body.until,
                                       now=utcnow())


@router.post("/sla/extensions/{request_id}/reject", response_model=ExtensionOut, summary="不同意延期（市中心）")
def reject_extension(request_id: int, body: DecisionIn, actor: StaffActor, session: WriteSession) -> ExtensionRequest:
    return extensions.decide_extension(session, request_id, actor, approve=False, note=body.note, now=utcnow())


@router.get("/sla/escalations", summary="超时提级清单：未办结且有环节超时的案件")
def escalation_list(actor: StaffActor, session: ReadSession,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    return queries.escalation_list(session, actor, limit=limit)


@router.get("/sla/warnings", summary="日历告警：缺少节假日安排的年份")
def calendar_warnings(actor: StaffActor, session: ReadSession) -> list[str]:
    if actor.role not in ("admin", "supervisor", "city_dispatcher", "leader"):
        raise Forbidden()
    return queries.calendar_warnings(session, utcnow())
