"""Rendering: the Jinja2 environment, the page context, and the console's route class.

`ConsoleRoute` (the route class of every console router) adds a `Server-Timing` header and turns
domain errors into Chinese messages: a full error page for a page load, or a message swapped
into the page's `#flash` area for an htmx request. A form field that fails validation and a value
the database cannot hold are answered the same way (the API answers them as JSON).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy.exc import DataError, OperationalError
from starlette.datastructures import FormData

from minsheng.api import errors as api_errors
from minsheng.api.deps import SESSION_COOKIE, fail_request
from minsheng.clock import SHANGHAI, as_utc, utcnow
from minsheng.directory.actors import Actor
from minsheng.errors import CrossedTransactions, DomainError, InvalidField, InvalidValue, is_crossed
from minsheng.validation_text import field_name, problem_text
from minsheng.web import labels
from minsheng.web.auth import AREAS, csrf_token_for

log = logging.getLogger("minsheng.web")
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
env = templates.env


def local(value: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """A UTC datetime shown in Asia/Shanghai."""
    return "" if value is None else as_utc(value).astimezone(SHANGHAI).strftime(fmt)


def iso(value: datetime | None) -> str:
    return "" if value is None else as_utc(value).isoformat()


def duration(seconds: float | int | None) -> str:
    """1小时05分 / 3分20秒 / 2天4小时."""
    if seconds is None:
        return ""
    s = int(abs(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{minutes:02d}分"
    if minutes:
        return f"{minutes}分{secs:02d}秒"
    return f"{secs}秒"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


env.filters.update(local=local, iso=iso, duration=duration, percent=percent)
env.globals.update(
    ROLE=labels.ROLE_LABELS, CHANNEL=labels.CHANNEL_LABELS, TRACK=labels.TRACK_LABELS,
    STATUS=labels.STATUS_LABELS, LEVEL=labels.LEVEL_LABELS, TEAM_STATUS=labels.TEAM_STATUS_LABELS,
    STAGE=labels.STAGE_LABELS, CLOCK_STATE=labels.CLOCK_STATE_LABELS, ACTION=labels.ACTION_LABELS,
    MESSAGE=labels.MESSAGE_LABELS, REVIEW_STATUS=labels.REVIEW_STATUS_LABELS, SYSTEM=labels.SYSTEM_LABELS,
    RATING=labels.RATING_LABELS, SHIFT_ROLE=labels.SHIFT_ROLE_LABELS, COLUMNS=labels.QUEUE_COLUMNS,
)


_unit_names: tuple[float, dict[str, str]] = (0.0, {})


def unit_name(code: str | None) -> str:
    """A unit's name for headers and labels (directory names cached for a minute per process)."""
    global _unit_names
    if code is None:
        return ""
    if time.monotonic() > _unit_names[0]:
        from sqlalchemy import select

        from minsheng.db import get_db
        from minsheng.directory.models import Unit

        with get_db().read_session() as session:
            _unit_names = (time.monotonic() + 60.0, dict(session.execute(select(Unit.code, Unit.name)).all()))
    return _unit_names[1].get(code, code)


env.globals["unit_name"] = unit_name


def render(request: Request, name: str, actor: Actor | None = None, status_code: int = 200,
           **context: Any) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    context.update(
        request=request, actor=actor, csrf=csrf_token_for(token) if token else "",
        areas=[a for a, roles in AREAS.items() if actor is not None and actor.role in roles],
        now=utcnow(), htmx=bool(request.headers.get("hx-request")),
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def error_response(request: Request, exc: DomainError) -> Response:
    if request.headers.get("hx-request"):
        html = env.get_template("partials/flash.html").render(level="error", message=exc.message)
        # HX-Reselect: the element that sent the request may select a page area (hx-select) that an
        # error answer does not have; without it htmx would put nothing where the message belongs
        return Response(html, status_code=exc.status_code, media_type="text/html",
                        headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML", "HX-Reselect": ".flash"})
    return render(request, "error.html", None, status_code=exc.status_code, message=exc.message)


def _browser_error_page(request: Request, status_code: int, message: str) -> Response:
    return render(request, "error.html", None, status_code=status_code, message=message)


api_errors.page_for_browsers = _browser_error_page


def invalid_form(exc: RequestValidationError) -> InvalidField:
    """A request's first validation error, in the console's words: "成员姓名：不能为空"."""
    errors = exc.errors()
    if not errors:
        return InvalidField("-", "请求字段不合法")
    field = field_name(errors[0]["loc"])
    return InvalidField(field, f"{labels.field_label(field)}：{problem_text(errors[0])}")


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def timed(request: Request) -> Response:
            start = time.perf_counter()
            try:
                response = await handler(request)
            except DomainError as exc:
                fail_request(request)  # the request's transaction ends after this answer: roll it back
                response = error_response(request, exc)
            except RequestValidationError as exc:
                fail_request(request)
                response = error_response(request, invalid_form(exc))
            except (DataError, OverflowError) as exc:  # as in the API: PostgreSQL's DataError, SQLite's overflow
                fail_request(request)
                log.warning("database refused a value: %s", getattr(exc, "orig", exc))
                response = error_response(request, InvalidValue())
            except OperationalError as exc:
                if not is_crossed(exc):  # a deadlock's loser may try again; anything else is a failure
                    raise
                fail_request(request)
                response = error_response(request, CrossedTransactions())
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.1f}"
            return response

        return timed


def flash(message: str, level: str = "ok") -> Markup:
    return Markup(env.get_template("partials/flash.html").render(level=level, message=message))


async def form_fields(request: Request) -> dict[str, Any]:
    """The posted form as a dict, read on the event loop: routes that take it stay plain `def`,
    so their database work runs in the thread pool, never on the loop."""
    return dict(await request.form())


async def submitted_form(request: Request) -> FormData:
    """The posted form with repeated fields (checkbox lists), read as `form_fields` is."""
    return await request.form()


FormFields = Annotated[dict[str, Any], Depends(form_fields)]
SubmittedForm = Annotated[FormData, Depends(submitted_form)]
