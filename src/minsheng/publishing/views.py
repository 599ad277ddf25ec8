"""Typical-case endpoints under /api/v1/typical-cases. Thin: parse, authorise, call one service function."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from minsheng.api.deps import ReadSession, RowId, StaffActor, WriteSession
from minsheng.publishing import queries, service
from minsheng.publishing.service import EmptyBody, NominateBody, ReasonBody, WriteBody

router = APIRouter(prefix="/api/v1/typical-cases", tags=["typical-cases"])


@router.post("", status_code=201, summary="推荐典型案例（督办人员；系统生成脱敏初稿）")
def nominate(body: NominateBody, actor: StaffActor, session: WriteSession) -> dict[str, Any]:
    return queries.detail(session, service.do_nominate(session, body, actor), actor)


@router.get("", summary="典型案例工作列表（市中心）")
def working_list(actor: StaffActor, session: ReadSession, status: str | None = None) -> list[dict[str, Any]]:
    return [queries.summary(tc) for tc in queries.working_list(session, actor, status)]


@router.get("/{typical_case_id}", summary="典型案例详情（含系统初稿和时间线）")
def get_typical_case(typical_case_id: RowId, actor: StaffActor, session: ReadSession) -> dict[str, Any]:
    return queries.detail(session, queries.get(session, actor, typical_case_id), actor)


@router.post("/{typical_case_id}/write", summary="编辑撰写公开稿")
def write(typical_case_id: RowId, body: WriteBody, actor: StaffActor, session: WriteSession) -> dict[str, Any]:
    return queries.detail(session, service.do_write(session, typical_case_id, body, actor), actor)


@router.post("/{typical_case_id}/submit", summary="提交领导审批")
def submit(typical_case_id: RowId, actor: StaffActor, session: WriteSession,
           body: EmptyBody | None = None) -> dict[str, Any]:
    return queries.detail(session, service.do_submit(session, typical_case_id, body or EmptyBody(), actor), actor)


@router.post("/{typical_case_id}/approve", summary="领导审批同意并发布")
def approve(typical_case_id: RowId, actor: StaffActor, session: WriteSession,
            body: EmptyBody | None = None) -> dict[str, Any]:
    return queries.detail(session, service.do_approve(session, typical_case_id, body or EmptyBody(), actor), actor)


@router.post("/{typical_case_id}/return", summary="退回修改")
def return_for_edit(typical_case_id: RowId, body: ReasonBody, actor: StaffActor,
                    session: WriteSession) -> dict[str, Any]:
    return queries.detail(session, service.do_return(session, typical_case_id, body, actor), actor)


@router.post("/{typical_case_id}/withdraw", summary="撤回")
def withdraw(typical_case_id: RowId, body: ReasonBody, actor: StaffActor, session: WriteSession) -> dict[str, Any]:
    return queries.detail(session, service.do_withdraw(session, typical_case_id, body, actor), actor)
