"""Proposal endpoints under /api/v1/proposals. Thin: parse, authorise, call one service function."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, UploadFile
from fastapi.responses import FileResponse

from minsheng.api.deps import ReadSession, RowId, StaffActor, WriteSession
from minsheng.clock import utcnow
from minsheng.proposals import handling, importer, measures, present, publication, queries, replies, service
from minsheng.proposals.attachments import attachment_for, do_attach
from minsheng.proposals.schemas import (
    AssignBody,
    ContactBody,
    DeliverBody,
    ImportResult,
    NoteBody,
    NoteOnlyBody,
    OpinionBody,
    ProposalCreate,
    ProposalDetail,
    ProposalPage,
    PublishBody,
    RateBody,
    ReasonBody,
    ReplyBody,
)
from minsheng.settings import get_settings

router = APIRouter(prefix="/api/v1/proposals", tags=["proposals"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("", status_code=201, response_model=ProposalDetail, summary="登记一件建议或提案")
def create_proposal(body: ProposalCreate, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, service.do_create_proposal(session, body, actor), actor)


@router.post("/import", response_model=ImportResult, summary="从 xlsx/csv 批量导入（有错则一条不导入，逐行报告）")
def import_proposals(file: UploadFile, actor: StaffActor, session: WriteSession) -> ImportResult:
    data = file.file.read(importer.MAX_BYTES + 1)
    return importer.do_import(session, file.filename or "upload", data, actor)


@router.get("", response_model=ProposalPage, summary="建议提案列表（按会议、单位、状态筛选）")
def list_proposals(
    actor: StaffActor, session: ReadSession, session_name: str | None = None, kind: str | None = None,
    status: Annotated[list[str] | None, Query()] = None, unit: str | None = None, overdue: bool | None = None,
    text: Annotated[str | None, Query(max_length=100)] = None, cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ProposalPage:
    statuses = [s for value in status for s in value.split(",") if s] if status else None
    rows, next_cursor = queries.list_proposals(session, actor, queries.ProposalFilter(
        session_name=session_name, kind=kind, status=statuses, unit=unit, overdue=overdue, text=text,
        cursor=cursor, limit=limit))
    return ProposalPage(items=present.summaries(session, rows), next_cursor=next_cursor)


@router.get("/measures", summary="办理质效：按会议和主办单位统计")
def get_measures(actor: StaffActor, session: ReadSession, session_name: str | None = None,
                 unit: str | None = None) -> list[dict[str, Any]]:
    rows = measures.aggregate(measures.items(session, actor, utcnow(), session_name=session_name, unit=unit),
                              present.unit_names(session))
    return [m.as_dict() for m in rows]


@router.get("/measures.xlsx", summary="办理质效导出（xlsx）")
def export_measures(actor: StaffActor, session: ReadSession, session_name: str | None = None,
                    unit: str | None = None) -> Response:
    rows = measures.aggregate(measures.items(session, actor, utcnow(), session_name=session_name, unit=unit),
                              present.unit_names(session))
    return Response(measures.to_xlsx(rows), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename=proposal-measures.xlsx"})


@router.get("/{proposal_id}", response_model=ProposalDetail, summary="建议提案详情（办理记录、答复、时限、时间线）")
def get_proposal(proposal_id: RowId, actor: StaffActor, session: ReadSession) -> ProposalDetail:
    return present.detail(session, queries.get_proposal(session, actor, proposal_id), actor)


@router.post("/{proposal_id}/assign", response_model=ProposalDetail, summary="交办：主办和协办单位（启动时限）")
def assign(proposal_id: RowId, body: AssignBody, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, service.do_assign(session, proposal_id, body, actor), actor)


@router.post("/{proposal_id}/return", response_model=ProposalDetail, summary="申请调整（退回市中心重新交办）")
def return_to_centre(proposal_id: RowId, body: ReasonBody, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, service.do_return(session, proposal_id, body, actor), actor)


@router.post("/{proposal_id}/sign", response_model=ProposalDetail, summary="主办单位签收")
def sign(proposal_id: RowId, body: NoteOnlyBody, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, service.do_sign(session, proposal_id, body, actor), actor)


@router.post("/{proposal_id}/contacts", response_model=ProposalDetail, summary="记录与代表委员的联系")
def contacts(proposal_id: RowId, body: ContactBody, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, handling.do_record_contact(session, proposal_id, body, actor), actor)


@router.post("/{proposal_id}/notes", response_model=ProposalDetail, summary="记录实地调研、合法性审查、阶段进展")
def notes(proposal_id: RowId, body: NoteBody, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, handling.do_add_note(session, proposal_id, body, actor), actor)


@router.post("/{proposal_id}/opinions", response_model=ProposalDetail, summary="协办单位提出协办意见")
def opinions(proposal_id: RowId, body: OpinionBody, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, handling.do_add_opinion(session, proposal_id, body, actor), actor)


@router.post("/{proposal_id}/reply", response_model=ProposalDetail, summary="拟写或修改答复（须已联系代表委员）")
def reply(proposal_id: RowId, body: ReplyBody, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, replies.do_draft_reply(session, proposal_id, body, actor), actor)


@router.post("/{proposal_id}/approve-reply", response_model=ProposalDetail, summary="单位领导审批答复")
def approve_reply(proposal_id: RowId, body: NoteOnlyBody, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, replies.do_approve_reply(session, proposal_id, body, actor), actor)


@router.post("/{proposal_id}/return-reply", response_model=ProposalDetail, summary="单位领导退回答复修改")
def return_reply(proposal_id: RowId, body: ReasonBody, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, replies.do_return_reply(session, proposal_id, body, actor), actor)


@router.post("/{proposal_id}/deliver", response_model=ProposalDetail, summary="答复送达代表委员")
def deliver(proposal_id: RowId, body: DeliverBody, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, replies.do_deliver(session, proposal_id, body, actor), actor)


@router.post("/{proposal_id}/rating", response_model=ProposalDetail, summary="登记代表委员的评价（不满意则二次办理）")
def rating(proposal_id: RowId, body: RateBody, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, replies.do_rate(session, proposal_id, body, actor), actor)


@router.post("/{proposal_id}/publish", response_model=ProposalDetail, summary="公开办理追踪页面")
def publish(proposal_id: RowId, body: PublishBody, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, publication.do_publish(session, proposal_id, body, actor), actor)


@router.post("/{proposal_id}/unpublish", response_model=ProposalDetail, summary="撤回公开")
def unpublish(proposal_id: RowId, body: ReasonBody, actor: StaffActor, session: WriteSession) -> ProposalDetail:
    return present.detail(session, publication.do_unpublish(session, proposal_id, body, actor), actor)


@router.post("/{proposal_id}/attachments", status_code=201, summary="上传附件")
def upload_attachment(proposal_id: RowId, file: UploadFile, actor: StaffActor, session: WriteSession) -> dict:
    settings = get_settings()
    data = file.file.read(settings.max_attachment_bytes + 1)
    att = do_attach(session, proposal_id, file.filename or "file", file.content_type or "", data, actor, settings,
                    now=utcnow())
    return {"id": att.id, "filename": att.filename, "size": att.size, "content_type": att.content_type}


@router.get("/attachments/{attachment_id}", summary="下载附件")
def download_attachment(attachment_id: RowId, actor: StaffActor, session: ReadSession) -> FileResponse:
    att = attachment_for(session, attachment_id, actor)
    return FileResponse(get_settings().media_dir / att.storage_path, media_type=att.content_type,
                        filename=att.filename)
