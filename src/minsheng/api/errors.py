"""Errors as JSON with a machine code and a Chinese message."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from minsheng.errors import CrossedTransactions, DomainError, InvalidValue, is_crossed
from minsheng.validation_text import field_message, field_name

log = logging.getLogger("minsheng.api")
HTTP_MESSAGES = {
    400: "请求有误", 401: "请先登录", 403: "无权执行该操作", 404: "记录不存在或无权查看",
    405: "不支持该请求方法", 409: "当前状态不允许该操作", 413: "文件过大", 415: "文件类型不支持",
    422: "请求字段不合法", 429: "请求过于频繁，请稍后再试", 500: "服务器内部错误",
}


# How a browser is answered an HTTP error outside the API (an unknown address, a wrong method):
# the console sets a page of its own (web.pages); the API and Open311 always answer JSON/XML.
page_for_browsers: Callable[[Request, int, str], Response] | None = None
MACHINE_PATHS = ("/api/", "/open311/", "/docs", "/openapi.json", "/static/")


def _browser_page(request: Request) -> bool:
    return (not request.url.path.startswith(MACHINE_PATHS) and "text/html" in request.headers.get("accept", "")
            and not request.headers.get("hx-request"))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": field_name(e["loc"]), "message": field_message(e), "type": e["type"]}
                  for e in exc.errors()]
        first = errors[0] if errors else {"field": "-", "message": HTTP_MESSAGES[422]}
        return JSONResponse(
            {"code": "invalid_field", "field": first["field"], "message": first["message"], "errors": errors},
            status_code=422,
        )

    async def _unstorable(_: Request, exc: Exception) -> JSONResponse:
        # a value the database cannot hold (an id past its integer range, a wrong type) that
        # validation let through: PostgreSQL raises DataError, SQLite's driver OverflowError
        log.warning("database refused a value: %s", getattr(exc, "orig", exc))
        return JSONResponse(InvalidValue().to_dict(), status_code=InvalidValue.status_code)

    app.add_exception_handler(DataError, _unstorable)

    async def _crossed(request: Request, exc: OperationalError) -> JSONResponse:
        # two transactions waited on each other (e.g. A merged into B while B into A): PostgreSQL
        # aborted this one, which wrote nothing; the request may simply be sent again
        if not is_crossed(exc):
            raise exc
        log.warning("transaction aborted by the database: %s", exc.orig)
        return JSONResponse(CrossedTransactions().to_dict(), status_code=CrossedTransactions.status_code)

    app.add_exception_handler(OperationalError, _crossed)  # type: ignore[arg-type]
    app.add_exception_handler(OverflowError, _unstorable)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) and exc.detail not in (
            "Not Found", "Method Not Allowed") else HTTP_MESSAGES.get(exc.status_code, "请求失败")
        if page_for_browsers is not None and exc.status_code >= 400 and _browser_page(request):
            page = page_for_browsers(request, exc.status_code, message)
            page.headers.update(getattr(exc, "headers", None) or {})  # e.g. 405's Allow
            return page
        return JSONResponse({"code": f"http_{exc.status_code}", "message": message},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))
