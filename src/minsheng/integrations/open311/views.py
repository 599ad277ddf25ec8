"""Open311 GeoReport v2 endpoints. The format comes from the path suffix (.json or .xml); every
error, including a malformed parameter, is answered in the spec's shape [{code, description}]."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from minsheng.api.deps import fail_request
from minsheng.clock import utcnow
from minsheng.db import get_db
from minsheng.errors import DomainError
from minsheng.integrations.open311 import service
from minsheng.integrations.open311.render import CONTENT_TYPES, render
from minsheng.integrations.open311.service import NewRequest, Open311Error, RequestFilter

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _format_of(request: Request) -> str:
    fmt = request.path_params.get("fmt") or request.url.path.rsplit(".", 1)[-1]
    return fmt if fmt in CONTENT_TYPES else "json"


def error_response(request: Request, status: int, description: str) -> Response:
    fmt = _format_of(request)
    body = render("errors", Open311Error(status, description).body(), fmt)
    return Response(body, status_code=status, media_type=CONTENT_TYPES[fmt])


class Open311Route(APIRoute):
    """Turns every failure of an Open311 endpoint into an Open311 error document."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except (Open311Error, RequestValidationError, DomainError) as exc:
                fail_request(request)  # answered here: the request's transaction must still roll back
                if isinstance(exc, Open311Error):
                    return error_response(request, exc.status, exc.description)
                if isinstance(exc, RequestValidationError):
                    first = exc.errors()[0] if exc.errors() else {"loc": ("-",), "msg": "invalid"}
                    return error_response(request, 400, f"{first['loc'][-1]}: {first['msg']}")
                return error_response(request, exc.status_code, exc.message)

        return route


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)
Jurisdiction = Annotated[str | None, Query(max_length=200, description="辖区（可省略）")]


def _fmt(fmt: str) -> str:
    if fmt not in CONTENT_TYPES:
        raise Open311Error(404, f"format .{fmt} is not supported; use .xml or .json")
    return fmt


def _read(document: str, fmt: str, jurisdiction_id: str | None, read: Callable[..., Any]) -> Response:
    fmt = _fmt(fmt)
    with get_db().read_session() as session:
        service.check_jurisdiction(session, jurisdiction_id)
        data = read(session)
    return Response(render(document, data, fmt), media_type=CONTENT_TYPES[fmt])


@router.get("/discovery.{fmt}", summary="Open311 服务发现")
def discovery(fmt: str, jurisdiction_id: Jurisdiction = None) -> Response:
    return _read("discovery", fmt, jurisdiction_id, service.discovery)


@router.get("/services.{fmt}", summary="Open311 服务列表（诉求分类）")
def services(fmt: str, jurisdiction_id: Jurisdiction = None) -> Response:
    return _read("services", fmt, jurisdiction_id, service.services)


@router.get("/services/{service_code}.{fmt}", summary="Open311 服务定义（附加字段）")
def service_definition(service_code: str, fmt: str, jurisdiction_id: Jurisdiction = None) -> Response:
    return _read("service_definition", fmt, jurisdiction_id,
                 lambda session: service.service_definition(session, service_code))


@router.get("/requests.{fmt}", summary="Open311 查询诉求")
def list_requests(
    fmt: str, jurisdiction_id: Jurisdiction = None,
    service_request_id: Annotated[str | None, Query(max_length=20000)] = None,
    service_code: Annotated[str | None, Query(max_length=2000)] = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    f = RequestFilter(service_request_id, service_code, start_date, end_date, status)
    now = utcnow()
    return _read("requests", fmt, jurisdiction_id, lambda session: service.list_requests(session, f, now=now))


@router.get("/requests/{service_request_id}.{fmt}", summary="Open311 查询单个诉求")
def get_request(service_request_id: str, fmt: str, jurisdiction_id: Jurisdiction = None) -> Response:
    return _read("requests", fmt, jurisdiction_id, lambda session: service.get_request(session, service_request_id))


@router.get("/tokens/{token}.{fmt}", summary="Open311 由 token 查询诉求编号")
def token(token: str, fmt: str, jurisdiction_id: Jurisdiction = None) -> Response:
    return _read("requests", fmt, jurisdiction_id, lambda session: service.request_for_token(session, token))


FormText = Annotated[str | None, Form(max_length=4000)]


@router.post("/requests.{fmt}", status_code=201, summary="Open311 提交诉求（表单编码，需 api_key）")
async def create_request(
    request: Request, fmt: str, api_key: FormText = None, service_code: FormText = None,
    jurisdiction_id: FormText = None, lat: FormText = None, long: FormText = None,
    address_string: FormText = None, address_id: FormText = None,
    email: FormText = None, device_id: FormText = None, account_id: FormText = None, first_name: FormText = None,
    last_name: FormText = None, phone: FormText = None, media_url: FormText = None,
    description: Annotated[str | None, Form(max_length=20000)] = None,
) -> Response:
    fmt = _fmt(fmt)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() not in FORM_TYPES:
        # a JSON body would read as no fields at all and be refused for a "missing" api_key
        raise Open311Error(400, "the request body must be application/x-www-form-urlencoded")
    form = await request.form()
    attrs = {k[len("attribute["):-1]: str(v) for k, v in form.multi_items()
             if k.startswith("attribute[") and k.endswith("]") and isinstance(v, str)}
    new = NewRequest(api_key or request.headers.get("x-api-key"), service_code, lat, long, address_string,
                     address_id, email, device_id, account_id, first_name, last_name, phone, description, media_url)
    jurisdiction = jurisdiction_id or request.query_params.get("jurisdiction_id")

    def create() -> Any:
        with get_db().session() as session:
            service.check_jurisdiction(session, jurisdiction)
            return service.create_request(session, new, attrs, now=utcnow())

    data = await run_in_threadpool(create)
    return Response(render("requests", data, fmt), status_code=201, media_type=CONTENT_TYPES[fmt])
