"""The call-taker's intake form (/intake): live suggestions while typing, one-click dispatch,
a consultation answered on the call closed at once."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from minsheng.api.deps import ReadSession, WriteSession
from minsheng.cases.intake import IntakeDecision, do_intake
from minsheng.cases.schemas import CaseCreate
from minsheng.directory import reads
from minsheng.directory import service as directory
from minsheng.directory.actors import Actor
from minsheng.errors import InvalidField
from minsheng.web.auth import Csrf, area_guard
from minsheng.web.pages import ConsoleRoute, FormFields, flash, render
from minsheng.web.suggest import suggest, suggesters

FORM_SOURCE = "console"  # source_system of cases filed through the intake form
router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
IntakeActor = Annotated[Actor, Depends(area_guard("intake"))]
CASE_FIELDS = ("channel", "content", "address", "citizen_name", "citizen_phone", "lng", "lat", "category", "town",
               "village", "priority")


def _case_body(form: dict[str, Any]) -> CaseCreate:
    data = {k: v.strip() for k, v in form.items() if k in CASE_FIELDS and isinstance(v, str) and v.strip()}
    try:
        return CaseCreate.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "-"
        labels = {"content": "诉求内容（至少 2 个字）", "citizen_phone": "联系电话", "channel": "来源渠道",
                  "priority": "紧急程度", "citizen_name": "群众姓名", "address": "地址", "category": "诉求类别"}
        raise InvalidField(field, f"{labels.get(field, field)}填写不正确") from None


def _case_id(value: str) -> int | None:
    """A case id typed in the form (ASCII digits; anything else is the form's error)."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise InvalidField("master_case_id", "主案件须填写案件 ID（数字）")
    return int(value)


def _decision(form: dict[str, Any]) -> IntakeDecision:
    master = (form.get("master_case_id") or "").strip()
    return IntakeDecision(then=form.get("then") or "none", unit=form.get("unit") or None,
                          answer=(form.get("answer") or "").strip() or None,
                          master_case_id=_case_id(master),
                          category=form.get("category") or None)


def _pickers(session: Any) -> dict[str, Any]:
    # form_token: this form's identity, so that posting it twice (a double click, Ctrl+Enter then
    # a click, a browser's retry after a lost answer) files one case, not two (and one SMS)
    return {"units": reads.units(session), "categories": reads.categories(session),
            "towns": reads.divisions(session, level="town"), "suggester": bool(suggesters),
            "form_token": secrets.token_hex(16)}


def _once(body: CaseCreate, form: dict[str, Any]) -> CaseCreate:
    """The case body, named by the form's token as its source (the console) when the form has one."""
    token = form.get("form_token")
    if isinstance(token, str) and re.fullmatch(r"[0-9a-f]{32}", token):
        return body.model_copy(update={"source_system": FORM_SOURCE, "source_id": token})
    return body


@router.get("/intake")
def intake_page(request: Request, actor: IntakeActor, session: ReadSession) -> Response:
    return render(request, "intake.html", actor, s=None, **_pickers(session))


@router.post("/intake/suggest", dependencies=[Csrf])
def intake_suggest(request: Request, actor: IntakeActor, session: ReadSession,
                   content: Annotated[str, Form(max_length=4000)] = "",
                   address: Annotated[str, Form(max_length=300)] = "") -> Response:
    return render(request, "partials/suggestions.html", actor, s=suggest(session, content, address),
                  **_pickers(session))


@router.post("/intake", dependencies=[Csrf])
def intake_submit(request: Request, actor: IntakeActor, session: WriteSession,
                  form: FormFields) -> Response:
    case = do_intake(session, _once(_case_body(form), form), _decision(form), actor)
    unit = directory.unit_names(session).get(case.unit_code or "", case.unit_code)
    done = {"assigned": f"已派单至 {unit}", "closed": "已直接答复办结"}.get(case.status, "已受理")
    if case.merged:
        done = "已作为重复件并入主案件"
    message = flash(f"{case.number} {done}")
    return render(request, "intake.html", actor, s=None, created=case, flash_message=message, **_pickers(session))
