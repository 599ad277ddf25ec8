"""The case page (/cases/{id}): every field, clocks, timeline, attachments, messages, and the
actions this user may take now; the action, attachment and contact requests it sends."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from minsheng.api.deps import ReadSession, WriteSession
from minsheng.cases import present, queries, service
from minsheng.cases.attachments import do_attach
from minsheng.cases.contact import reveal_contact
from minsheng.cases.models import Case
from minsheng.cases.permissions import CONTACT_ROLES, may_attach
from minsheng.clock import utcnow
from minsheng.directory import reads
from minsheng.directory.actors import Actor
from minsheng.events.history import messages_for_case
from minsheng.settings import get_settings
from minsheng.teams.nearest import nearest_for_case
from minsheng.web.actions import action_body, form_for
from minsheng.web.auth import ConsoleActor, Csrf
from minsheng.web.clocks import RUNNING
from minsheng.web.pages import ConsoleRoute, FormFields, flash, render
from minsheng.web.suggest import named

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NEEDS_UNITS = ("assign",)
NEEDS_CATEGORIES = ("assign", "answer_directly")


def case_context(session: Session, case: Case, actor: Actor) -> dict[str, Any]:
    detail = present.detail(session, case, actor)
    allowed = detail.allowed_actions
    return {
        "c": detail,
        "forms": [form_for(a) for a in allowed],
        "running": [k for k in detail.clocks if k.get("state") in RUNNING],
        "finished": [k for k in detail.clocks if k.get("state") not in RUNNING],
        "units": reads.units(session) if any(a in NEEDS_UNITS for a in allowed) else [],
        "categories": reads.categories(session) if any(a in NEEDS_CATEGORIES for a in allowed) else [],
        "nearest": nearest_for_case(session, actor, case) if "dispatch_team" in allowed else [],
        "messages": messages_for_case(session, case.id),
        "may_reveal": actor.role in CONTACT_ROLES,
        "may_attach": may_attach(actor.role),
        "places": reads.place_names(session),
        "unit_names": {u["code"]: u["name"] for u in reads.units(session)},
        "team_names": {t["code"]: t["name"] for t in reads.teams(session, case.town_code)},
        # routing's suggestions with display names; one click on a top-3 entry assigns it
        "sugg": named(session, detail.suggestions) if detail.suggestions else None,
        "accept": "assign" in allowed and detail.status == "received",
        "merge_ok": "merge" in allowed,
    }


@router.get("/cases/{case_id}")
def case_page(case_id: int, request: Request, actor: ConsoleActor, session: ReadSession) -> Response:
    case = queries.get_case(session, actor, case_id)
    return render(request, "case.html", actor, **case_context(session, case, actor))


@router.post("/cases/{case_id}/act/{action}", dependencies=[Csrf])
def act(case_id: int, action: str, request: Request, actor: ConsoleActor, session: WriteSession,
        form: FormFields) -> Response:
    if action == "merge":
        form = {**form, "master_case_id": queries.case_id_for_reference(session, actor,
                                                                       str(form.get("master_case_id", "")))}
    case = service.do_action(session, case_id, action, action_body(form), actor)
    return render(request, "case.html", actor, flash_message=flash(f"已{form_for(action).label}：{case.number}"),
                  **case_context(session, case, actor))


@router.post("/cases/{case_id}/attachments", dependencies=[Csrf])
def attach(case_id: int, request: Request, file: UploadFile, actor: ConsoleActor, session: WriteSession) -> Response:
    settings = get_settings()
    data = file.file.read(settings.max_attachment_bytes + 1)
    att = do_attach(session, case_id, file.filename or "file", file.content_type or "", data, actor, settings,
                    now=utcnow())
    case = queries.get_case(session, actor, case_id)
    return render(request, "case.html", actor, flash_message=flash(f"已上传附件 {att.filename}"),
                  **case_context(session, case, actor))


@router.post("/cases/{case_id}/contact", dependencies=[Csrf])
def contact(case_id: int, request: Request, actor: ConsoleActor, session: WriteSession,
            reason: Annotated[str, Form(max_length=200)] = "") -> Response:
    shown = reveal_contact(session, case_id, actor, reason=reason or "控制台查看", now=utcnow())
    return render(request, "partials/contact.html", actor, shown=shown)
