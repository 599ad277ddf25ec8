"""Case endpoints under /api/v1/cases. Thin: parse, authorise, call one service function."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from minsheng.api.deps import IntakeActor, ReadSession, RowId, StaffActor, WriteSession, database, known_actor
from minsheng.api.group_commit import GroupCommits
from minsheng.api.lean import LeanRoute
from minsheng.cases import hooks, present, queries, service
from minsheng.cases.attachments import attachment_path, do_attach
from minsheng.cases.batch import do_create_cases
from minsheng.cases.contact import reveal_contact
from minsheng.cases.models import Case
from minsheng.cases.permissions import may_create
from minsheng.cases.schemas import ActionBody, CaseCreate, CaseCreated, CaseDetail, CasePage, ContactOut
from minsheng.clock import utcnow
from minsheng.db import Database, get_db
from minsheng.directory.actors import Actor
from minsheng.settings import get_settings

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


def _created(case: Case) -> CaseCreated:
    return CaseCreated(id=case.id, number=case.number, status=case.status)


def _create_one(session: Session, item: tuple[CaseCreate, Actor]) -> CaseCreated:
    return _created(service.do_receive_case(session, *item)[0])


def _create_many(session: Session, items: list[tuple[CaseCreate, Actor]]) -> list[CaseCreated]:
    return [_created(case) for case in do_create_cases(session, items)]


def _look_ahead(db: Database, items: list[tuple[CaseCreate, Actor]]) -> None:
    hooks.look_ahead(db.engine, [(body.content, body.address) for body, _ in items])


# Intake is the hottest write path: requests that arrive together are committed together.
_intake = GroupCommits(_create_many, _create_one, ahead=_look_ahead)


async def create_case(body: CaseCreate, actor: IntakeActor,
                      db: Annotated[Database, Depends(database)]) -> CaseCreated:
    return await _intake.of(db).submit((body, actor))


class _IntakeRoute(LeanRoute):
    @staticmethod
    async def lean(request: Request) -> Response | None:
        """`create_case` for the common request (a caller already known, a JSON body valid as it is),
        without FastAPI's dependency resolution and response re-validation; None for any other."""
        if request.headers.get("content-type") != "application/json":
            return None
        actor = known_actor(request)
        if actor is None or not may_create(actor.role):  # the usual way answers it (401 / 403)
            return None
        try:
            body = CaseCreate.model_validate_json(await request.body())
        except ValidationError:  # the usual way answers it (json.loads + validation: the same 422)
            return None
        created = await _intake.of(get_db()).submit((body, actor))
        return Response(created.model_dump_json(), status_code=201, media_type="application/json")


router.add_api_route("", create_case, methods=["POST"], status_code=201, response_model=CaseCreated,
                     summary="受理新诉求", route_class_override=_IntakeRoute)


@router.get("", response_model=CasePage, summary="案件列表（键集分页）")
def list_cases(
    actor: StaffActor, session: ReadSession,
    status: Annotated[list[str] | None, Query()] = None, town: str | None = None, unit: str | None = None,
    category: str | None = None, channel: str | None = None, overdue: bool | None = None,
    escalated: bool | None = None, text: Annotated[str | None, Query(max_length=100)] = None,
    cursor: str | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CasePage:
    statuses = [s for value in status for s in value.split(",") if s] if status else None
    rows, next_cursor = queries.list_cases(session, actor, queries.CaseFilter(
        status=statuses, town=town, unit=unit, category=category, channel=channel, overdue=overdue,
        escalated=escalated, text=text, cursor=cursor, limit=limit))
    return CasePage(items=present.summaries(session, rows), next_cursor=next_cursor)


@router.get("/{case_id}", response_model=CaseDetail, summary="案件详情（含时间线和可执行操作）")
def get_case(case_id: RowId, actor: StaffActor, session: ReadSession) -> CaseDetail:
    return present.detail(session, queries.get_case(session, actor, case_id), actor)


@router.post("/{case_id}/actions/{action}", response_model=CaseDetail, summary="执行流程操作")
def take_action(case_id: RowId, action: str, actor: StaffActor, session: WriteSession,
                body: ActionBody | None = None) -> CaseDetail:
    case = service.do_action(session, case_id, action, body or ActionBody(), actor)
    return present.detail(session, case, actor)


@router.get("/{case_id}/contact", response_model=ContactOut, summary="查看群众联系方式（记入审计日志）")
def get_contact(case_id: RowId, actor: StaffActor, session: WriteSession,
                reason: Annotated[str, Query(max_length=200)] = "") -> ContactOut:
    return reveal_contact(session, case_id, actor, reason=reason, now=utcnow())


@router.post("/{case_id}/attachments", status_code=201, summary="上传附件（照片、PDF）")
def upload_attachment(case_id: RowId, file: UploadFile, actor: StaffActor, session: WriteSession) -> dict:
    settings = get_settings()
    data = file.file.read(settings.max_attachment_bytes + 1)
    att = do_attach(session, case_id, file.filename or "file", file.content_type or "", data, actor,
                    settings, now=utcnow())
    return {"id": att.id, "filename": att.filename, "size": att.size, "content_type": att.content_type}


@router.get("/attachments/{attachment_id}", summary="下载附件")
def download_attachment(attachment_id: RowId, actor: StaffActor, session: ReadSession) -> FileResponse:
    settings = get_settings()
    att = attachment_path(session, attachment_id, actor, settings)
    return FileResponse(settings.media_dir / att.storage_path, media_type=att.content_type,
                        filename=att.filename)
