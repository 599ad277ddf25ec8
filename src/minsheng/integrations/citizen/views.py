"""The citizen's page (server-rendered, Chinese): /c to look up a case, /c/rate to rate it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from minsheng.api.deps import WriteSession, client_address, fail_request
from minsheng.cases.schemas import RATING_LABELS, Rating
from minsheng.clock import to_local, utcnow
from minsheng.errors import Conflict, DomainError
from minsheng.integrations.citizen import service

router = APIRouter(prefix="/c", tags=["citizen"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


def _shanghai(at: datetime | None) -> str:
    local = to_local(at)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


templates.env.filters["shanghai"] = _shanghai
Text = Annotated[str, Form(max_length=64)]


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("ratings", RATING_LABELS)
    return templates.TemplateResponse(request, f"citizen/{name}", context, status_code=status)


@router.get("", response_class=HTMLResponse, summary="群众查询办理进度（输入案件编号和手机号后四位）")
def lookup_form(request: Request, n: Annotated[str, Query(max_length=32)] = "") -> HTMLResponse:
    return _page(request, "lookup.html", number=n.strip())


@router.post("", response_class=HTMLResponse, summary="查询办理进度（错误次数受限）")
def lookup(request: Request, session: WriteSession, number: Text = "", phone_last4: Text = "") -> HTMLResponse:
    number, last4 = number.strip(), phone_last4.strip()
    if not number or len(last4) != 4 or not last4.isdigit():
        return _page(request, "lookup.html", 422, number=number, error="请输入案件编号和手机号码后四位数字")
    client = client_address(request)
    try:
        case = service.lookup(session, number, last4, client, now=utcnow())
    except service.TooManyAttempts as exc:
        return _page(request, "lookup.html", 429, number=number, error=exc.message)
    if case is None:
        return _page(request, "lookup.html", 404, number=number, error=service.LookupFailed.message)
    return _page(request, "case.html", view=service.public_view(session, case))


@router.post("/rate", response_class=HTMLResponse, summary="群众评价办理结果（满意 / 基本满意 / 不满意）")
def rate(request: Request, session: WriteSession, token: Annotated[str, Form(max_length=500)] = "",
         rating: Text = "", comment: Annotated[str, Form(max_length=2000)] = "") -> HTMLResponse:
    if rating not in RATING_LABELS:
        return _page(request, "lookup.html", 422, error="请选择满意、基本满意或不满意")
    try:
        case = service.rate(session, token, cast(Rating, rating), comment.strip() or None, now=utcnow())
    except Conflict:
        fail_request(request)  # answered here: nothing of the refused rating may be committed
        return _page(request, "lookup.html", 409, error="该案件尚未办结或已经评价过，无需重复评价")
    except DomainError as exc:
        fail_request(request)
        return _page(request, "lookup.html", exc.status_code, error=exc.message)
    return _page(request, "case.html", view=service.public_view(session, case), thanks=True)
