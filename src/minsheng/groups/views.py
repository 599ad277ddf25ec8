"""Group endpoints under /api/v1/cases/{id}/group and /api/v1/stats/groups. Thin: parse, call one function."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from minsheng.api.deps import ReadSession, StaffActor, WriteSession
from minsheng.clock import utcnow
from minsheng.groups import measures, service, thread
from minsheng.groups.present import group_of_case
from minsheng.groups.schemas import (
    GroupForm,
    JointFeedbackIn,
    LeaveDecisionIn,
    LeaveIn,
    MemberIn,
    MessageIn,
    PartIn,
    ReadIn,
)
from minsheng.inputs import LocalMoment

router = APIRouter(prefix="/api/v1", tags=["groups"])
Out = dict[str, Any]


def _view(session: Any, case_id: int, actor: Any) -> Out:
    return group_of_case(session, case_id, actor, utcnow())


@router.get("/cases/{case_id}/group/proposal", summary="一键组群：建议的牵头和协办单位（含理由）")
def proposal(case_id: int, actor: StaffActor, session: ReadSession) -> Out:
    return service.do_propose_group(session, case_id, actor).as_dict()


@router.post("/cases/{case_id}/group", status_code=201, summary="一键组群：确认牵头和协办单位")
def form_group(case_id: int, body: GroupForm, actor: StaffActor, session: WriteSession) -> Out:
    service.do_form_group(session, case_id, body, actor)
    return _view(session, case_id, actor)


@router.get("/cases/{case_id}/group", summary="组群详情：成员、各自时限、联合答复")
def get_group(case_id: int, actor: StaffActor, session: ReadSession) -> Out:
    return _view(session, case_id, actor)


@router.post("/cases/{case_id}/group/sign", summary="成员单位签收")
def sign(case_id: int, actor: StaffActor, session: WriteSession) -> Out:
    service.do_member_sign(session, case_id, actor)
    return _view(session, case_id, actor)


@router.post("/cases/{case_id}/group/part", summary="协办单位提交办理意见")
def record_part(case_id: int, body: PartIn, actor: StaffActor, session: WriteSession) -> Out:
    service.do_record_part(session, case_id, body.text, actor)
    return _view(session, case_id, actor)


@router.post("/cases/{case_id}/group/feedback", summary="牵头单位提交联合答复（引用各协办意见）")
def joint_feedback(case_id: int, body: JointFeedbackIn, actor: StaffActor, session: WriteSession) -> Out:
    service.do_joint_feedback(session, case_id, body.text, actor)
    return _view(session, case_id, actor)


@router.post("/cases/{case_id}/group/leave", summary="协办单位申请退出（市中心决定）")
def request_leave(case_id: int, body: LeaveIn, actor: StaffActor, session: WriteSession) -> Out:
    service.do_request_leave(session, case_id, body.reason, actor)
    return _view(session, case_id, actor)


@router.post("/cases/{case_id}/group/members/{unit}/leave-decision", summary="市中心决定退出申请")
def decide_leave(case_id: int, unit: str, body: LeaveDecisionIn, actor: StaffActor, session: WriteSession) -> Out:
    service.do_decide_leave(session, case_id, unit, body.approve, body.note, actor)
    return _view(session, case_id, actor)


@router.post("/cases/{case_id}/group/members", status_code=201, summary="市中心追加成员单位（其时限从此开始）")
def add_member(case_id: int, body: MemberIn, actor: StaffActor, session: WriteSession) -> Out:
    service.do_add_member(session, case_id, body.unit, body.reason, actor)
    return _view(session, case_id, actor)


@router.get("/cases/{case_id}/group/messages", summary="群内消息（含各单位已读情况）")
def messages(case_id: int, actor: StaffActor, session: ReadSession,
             after: Annotated[int, Query(ge=0)] = 0) -> Out:
    return thread.thread(session, case_id, actor, after)


@router.post("/cases/{case_id}/group/messages", status_code=201, summary="群内发言（可@单位、附件）")
def post_message(case_id: int, body: MessageIn, actor: StaffActor, session: WriteSession) -> Out:
    message = thread.do_post_message(session, case_id, body.text, body.mentions, body.attachments, actor)
    return {"id": message.id, "unit": message.unit_code, "mentions": message.mentions,
            "attachments": message.attachments, "created_at": message.created_at}


@router.post("/cases/{case_id}/group/read", summary="标记群消息已读（本单位）")
def mark_read(case_id: int, actor: StaffActor, session: WriteSession, body: ReadIn | None = None) -> Out:
    return {"last_read_id": thread.do_mark_read(session, case_id, actor, body.up_to if body else None)}


@router.get("/stats/groups", summary="一键组群统计：组群数、组群用时、各成员签收和答复用时、办结情况")
def stats(actor: StaffActor, session: ReadSession, since: LocalMoment | None = None,
          until: LocalMoment | None = None) -> Out:
    return measures.group_measures(session, actor, since=since, until=until, now=utcnow())
