"""Staff pages for typical cases (典型案例) in the console's layout: the working list with the
nomination form, and one case with the editor's form and the leader's decision."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from minsheng.api.deps import ReadSession, RowId, WriteSession
from minsheng.cases.models import Case
from minsheng.directory.actors import Actor
from minsheng.errors import InvalidField, NotFound
from minsheng.publishing import queries, service
from minsheng.publishing import workflow as wf
from minsheng.validation_text import problem_text
from minsheng.web.auth import Csrf, area_guard
from minsheng.web.pages import ConsoleRoute, SubmittedForm, flash, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
CentreActor = Annotated[Actor, Depends(area_guard("typical_cases"))]
LABELS = {"write": "撰写", "reason": "理由", "title": "标题", "body": "正文", "source_id": "来源"}
ACTIONS: dict[str, tuple[type[BaseModel], Any]] = {
    "write": (service.WriteBody, service.do_write), "submit": (service.EmptyBody, service.do_submit),
    "approve": (service.EmptyBody, service.do_approve), "return": (service.ReasonBody, service.do_return),
    "withdraw": (service.ReasonBody, service.do_withdraw),
}


def _parse(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate({k: v for k, v in data.items() if k in model.model_fields and v != ""})
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "-"
        raise InvalidField(name, f"{LABELS.get(name, name)}：{problem_text(err)}") from None


def _redirect(request: Request, target: str) -> Response:
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return Response(status_code=303, headers={"Location": target})


@router.get("/typical-cases")
def working_list(request: Request, actor: CentreActor, session: ReadSession, status: str = "") -> Response:
    items = [queries.summary(tc) for tc in queries.working_list(session, actor, status or None)]
    return render(request, "typical_cases/list.html", actor, items=items, status=status,
                  statuses=wf.STATUS_LABELS, may_nominate=actor.role in wf.NOMINATORS)


@router.post("/typical-cases/nominate", dependencies=[Csrf])
def nominate(request: Request, actor: CentreActor, session: WriteSession, form: SubmittedForm) -> Response:
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    if data.get("case_number"):  # the working list names a citizen case by its number
        case_id = session.scalar(select(Case.id).where(Case.number == data["case_number"].strip()))
        if case_id is None:
            raise NotFound(f"没有编号为 {data['case_number']} 的诉求")
        data = {"source_kind": "case", "source_id": str(case_id), "reason": data.get("reason", "")}
    tc = service.do_nominate(session, _parse(service.NominateBody, data), actor)
    return _redirect(request, f"/typical-cases/{tc.id}")


@router.get("/typical-cases/{typical_case_id}")
def page(typical_case_id: RowId, request: Request, actor: CentreActor, session: ReadSession) -> Response:
    tc = queries.get(session, actor, typical_case_id)
    return render(request, "typical_cases/detail.html", actor, t=queries.detail(session, tc, actor))


@router.post("/typical-cases/{typical_case_id}/act/{action}", dependencies=[Csrf])
def act(typical_case_id: RowId, action: str, request: Request, actor: CentreActor,
        session: WriteSession, form: SubmittedForm) -> Response:
    if action not in ACTIONS:
        raise NotFound(f"未知操作 {action}")
    model, do = ACTIONS[action]
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    tc = do(session, typical_case_id, _parse(model, data), actor)
    return render(request, "typical_cases/detail.html", actor, t=queries.detail(session, tc, actor),
                  flash_message=flash(f"已{wf.ACTION_LABELS[action]}：{tc.title}"))
