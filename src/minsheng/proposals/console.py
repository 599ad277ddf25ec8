"""Staff pages for suggestions and proposals, in the console's layout: the list, registration, the
spreadsheet import with its error report, one proposal with the actions this user may take, and the
measures. Forms post with htmx (CSRF token in the header) and work as plain forms too."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from minsheng.api.deps import ReadSession, RowId, WriteSession
from minsheng.clock import SHANGHAI, utcnow
from minsheng.directory import reads
from minsheng.directory.actors import Actor
from minsheng.errors import InvalidField
from minsheng.proposals import importer, measures, present, queries, service
from minsheng.proposals.attachments import do_attach
from minsheng.proposals.forms import FIELD_LABELS, body_from, form_for
from minsheng.proposals.models import Proposal
from minsheng.proposals.permissions import may_register
from minsheng.proposals.schemas import (
    CLASS_LABELS,
    DELIVERY_LABELS,
    KIND_LABELS,
    METHOD_LABELS,
    NOTE_LABELS,
    RATING_LABELS,
    ProposalCreate,
)
from minsheng.proposals.workflow import STATUS_LABELS
from minsheng.publishing.render import cn_date, paragraphs
from minsheng.settings import get_settings
from minsheng.validation_text import problem_text
from minsheng.web.auth import Csrf, area_guard
from minsheng.web.pages import ConsoleRoute, SubmittedForm, env, flash, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
StaffActor = Annotated[Actor, Depends(area_guard("proposals"))]
env.filters.setdefault("cn_date", cn_date)
env.filters.setdefault("paragraphs", paragraphs)
LABELS = {"KIND": KIND_LABELS, "PSTATUS": STATUS_LABELS, "METHOD": METHOD_LABELS, "NOTE": NOTE_LABELS,
          "CLASS": CLASS_LABELS, "DELIVERY": DELIVERY_LABELS, "PRATING": RATING_LABELS}


def _page(request: Request, name: str, actor: Actor, status_code: int = 200, **context: Any) -> Response:
    return render(request, name, actor, status_code=status_code, **LABELS, **context)


def proposal_context(session: Session, p: Proposal, actor: Actor) -> dict[str, Any]:
    detail = present.detail(session, p, actor)
    current = next((r for r in detail.replies if r["round"] == detail.round), None)
    return {
        "p": detail, "forms": [form_for(a) for a in detail.allowed_actions], "current_reply": current,
        "units": reads.units(session) if "assign" in detail.allowed_actions else [],
        "running": [c for c in detail.clocks if c["state"] in ("ok", "warning", "overdue")],
        "finished": [c for c in detail.clocks if c["state"] in ("met", "missed")],
        "today": cn_date(utcnow()), "today_iso": utcnow().astimezone(SHANGHAI).date().isoformat(),
        "may_nominate": actor.sees_everything and actor.role in ("supervisor", "admin") and detail.delivered_at,
    }


@router.get("/proposals")
def proposal_list(request: Request, actor: StaffActor, session: ReadSession, session_name: str = "",
                  status: str = "", unit: str = "", overdue: str = "",
                  text: Annotated[str, Query(max_length=100)] = "") -> Response:
    f = queries.ProposalFilter(session_name=session_name or None, status=[status] if status else None,
                               unit=unit or None, overdue=True if overdue else None, text=text or None, limit=200)
    rows, _ = queries.list_proposals(session, actor, f)
    return _page(request, "proposals/list.html", actor, items=present.summaries(session, rows),
                 sessions=queries.sessions(session), units=reads.units(session),
                 selected={"session_name": session_name, "status": status, "unit": unit, "overdue": overdue,
                           "text": text},
                 may_register=may_register(actor.role, actor.sees_everything))


@router.get("/proposals/new")
def new_form(request: Request, actor: StaffActor) -> Response:
    return _page(request, "proposals/new.html", actor, values={})


@router.post("/proposals/new", dependencies=[Csrf])
def create(request: Request, actor: StaffActor, session: WriteSession, form: SubmittedForm) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        body = ProposalCreate(**{k: values.get(k, "").strip() for k in (
            "kind", "number", "session_name", "category", "title", "lead_name", "lead_constituency", "background",
            "demands")}, co_signers=importer.co_signers(values.get("co_signers", "")))
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0])
        raise InvalidField(name, f"{FIELD_LABELS.get(name, name)}：{problem_text(err)}") from None
    p = service.do_create_proposal(session, body, actor)
    target = f"/proposals/{p.id}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return Response(status_code=303, headers={"Location": target})


@router.get("/proposals/import")
def import_form(request: Request, actor: StaffActor) -> Response:
    return _page(request, "proposals/import.html", actor, result=None, errors=None,
                 columns=[names[0] for names in importer.COLUMNS.values()])


@router.post("/proposals/import", dependencies=[Csrf])
def import_upload(request: Request, file: UploadFile, actor: StaffActor, session: WriteSession) -> Response:
    data = file.file.read(importer.MAX_BYTES + 1)
    columns = [names[0] for names in importer.COLUMNS.values()]
    try:
        result = importer.do_import(session, file.filename or "upload", data, actor)
    except importer.ImportRejected as exc:
        return _page(request, "proposals/import.html", actor, status_code=422, result=None, message=exc.message,
                     errors=exc.extra.get("errors", []), filename=file.filename, columns=columns)
    return _page(request, "proposals/import.html", actor, result=result, errors=None, filename=file.filename,
                 columns=columns)


@router.get("/proposals/measures")
def measures_page(request: Request, actor: StaffActor, session: ReadSession, session_name: str = "") -> Response:
    rows = measures.aggregate(measures.items(session, actor, utcnow(), session_name=session_name or None),
                              present.unit_names(session))
    return _page(request, "proposals/measures.html", actor, rows=rows, sessions=queries.sessions(session),
                 session_name=session_name)


@router.get("/proposals/{proposal_id}")
def proposal_page(proposal_id: RowId, request: Request, actor: StaffActor, session: ReadSession) -> Response:
    p = queries.get_proposal(session, actor, proposal_id)
    return _page(request, "proposals/detail.html", actor, **proposal_context(session, p, actor))


@router.post("/proposals/{proposal_id}/act/{action}", dependencies=[Csrf])
def act(proposal_id: RowId, action: str, request: Request, actor: StaffActor, session: WriteSession,
        form: SubmittedForm) -> Response:
    spec = form_for(action)
    body = body_from(spec, form)
    p = spec.do(session, proposal_id, body, actor)
    return _page(request, "proposals/detail.html", actor, flash_message=flash(f"已{spec.label}：{p.title}"),
                 **proposal_context(session, p, actor))


@router.post("/proposals/{proposal_id}/attachments", dependencies=[Csrf])
def attach(proposal_id: RowId, request: Request, file: UploadFile, actor: StaffActor,
           session: WriteSession) -> Response:
    settings = get_settings()
    data = file.file.read(settings.max_attachment_bytes + 1)
    att = do_attach(session, proposal_id, file.filename or "file", file.content_type or "", data, actor, settings,
                    now=utcnow())
    p = queries.get_proposal(session, actor, proposal_id)
    return _page(request, "proposals/detail.html", actor, flash_message=flash(f"已上传附件 {att.filename}"),
                 **proposal_context(session, p, actor))
