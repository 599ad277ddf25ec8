"""Open311 GeoReport v2 over the case platform: services from categories, requests from cases.

service_request_id is the case number (what the citizen is told on the phone and by SMS).
GET /requests lists only requests of the channels in MINSHENG_OPEN311_PUBLIC_CHANNELS (default:
those filed through Open311): 12345 and 110 records carry personal details their citizens never
agreed to publish.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.cases.present import STATUS_LABELS
from minsheng.cases.schemas import CaseCreate
from minsheng.cases.service import do_create_case
from minsheng.clock import SHANGHAI, as_utc, to_local
from minsheng.directory.models import Category, CityConfigRecord, Division, Unit
from minsheng.directory.security import actor_for_api_key, find_api_key
from minsheng.errors import DomainError
from minsheng.integrations.models import Open311Request
from minsheng.integrations.settings import channel_settings
from minsheng.settings import get_settings

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_SPAN = timedelta(days=90)
# start_date / end_date: any time whose 90-day window (and offset) Python's datetime can still hold
EARLIEST = datetime(1, 4, 2, tzinfo=UTC)
LATEST = datetime(9999, 9, 30, tzinfo=UTC)
MAX_REQUESTS = 1000


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description

    def body(self) -> list[dict[str, Any]]:
        return [{"code": self.status, "description": self.description}]


def iso(value: datetime | None) -> str | None:
    local = to_local(value)
    return local.isoformat(timespec="seconds") if local else None


def city(session: Session) -> Division | None:
    return session.scalars(select(Division).where(Division.in_city.is_(True), Division.level == "city")).first()


def jurisdiction_ids(session: Session) -> set[str]:
    configured = channel_settings().open311_jurisdiction_id
    ids = {configured} if configured else {urlparse(get_settings().base_url).hostname or ""}
    home = city(session)
    if home is not None:
        ids.add(home.code)
    return {i for i in ids if i}


def check_jurisdiction(session: Session, jurisdiction_id: str | None) -> None:
    """Optional here (one jurisdiction per endpoint); an unknown one is a 404."""
    if jurisdiction_id and jurisdiction_id not in jurisdiction_ids(session):
        raise Open311Error(404, f"jurisdiction_id {jurisdiction_id} not found")


def changeset(session: Session) -> str | None:
    return iso(session.scalar(select(func.max(CityConfigRecord.loaded_at))))


def discovery(session: Session) -> dict[str, Any]:
    home = city(session)
    name = home.name if home else "本市"
    stamp = changeset(session)
    return {
        "changeset": stamp,
        "contact": f"{name}民声一键办（12345 政务服务便民热线）",
        "key_service": f"向{name}民声一键办管理员申请 api_key（minsheng api-key create --name 应用名）",
        "endpoints": [{
            "specification": SPECIFICATION, "url": f"{get_settings().base_url.rstrip('/')}/open311/v2",
            "changeset": stamp, "type": "production", "formats": ["text/xml", "application/json"],
        }],
    }


def _keywords(category: Category) -> str:
    words = list(category.keywords) or [w for w in re.split(r"[、，,（）()；;]", category.description) if w.strip()]
    return ",".join(w.strip() for w in words[:8])


def services(session: Session) -> list[dict[str, Any]]:
    return [
        {"service_code": c.code, "service_name": c.name, "description": c.description, "metadata": True,
         "type": "realtime", "keywords": _keywords(c), "group": c.group_name}
        for c in session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code))
    ]


def _towns(session: Session) -> list[Division]:
    return list(session.scalars(select(Division).where(Division.in_city.is_(True), Division.level == "town")
                                .order_by(Division.code)))


def attributes(session: Session) -> list[dict[str, Any]]:
    return [
        {"variable": True, "code": "town", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "事发镇（街道）", "order": 1, "description": "事发地所在的镇（街道）",
         "values": [{"key": d.code, "name": d.name} for d in _towns(session)]},
        {"variable": True, "code": "occurred_at", "datatype": "datetime", "required": False,
         "datatype_description": "ISO 8601，例如 2026-11-25T08:30:00+08:00", "order": 2,
         "description": "问题发生或发现的时间", "values": []},
    ]


def service_definition(session: Session, service_code: str) -> dict[str, Any]:
    category = session.get(Category, service_code)
    if category is None or not category.active:
        raise Open311Error(404, f"service_code {service_code} not found")
    return {"service_code": category.code, "attributes": attributes(session)}


# --- creating a request ------------------------------------------------------------------------

@dataclass
class NewRequest:
    api_key: str | None
    service_code: str | None
    lat: str | None = None
    long: str | None = None
    address_string: str | None = None
    address_id: str | None = None
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    description: str | None = None
    media_url: str | None = None


def _blank(value: str | None) -> str | None:
    """Optional means: empty and absent are the same."""
    return value.strip() if value and value.strip() else None


def _float(name: str, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name} must be a decimal number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise Open311Error(400, f"{name} must be a decimal number")
    return number


def _attributes(session: Session, attrs: dict[str, str]) -> dict[str, str]:
    known: dict[str, str] = {}
    town = _blank(attrs.get("town"))
    if town is not None:
        if town not in {d.code for d in _towns(session)}:
            raise Open311Error(400, f"attribute[town] {town} is not one of the listed values")
        known["town"] = town
    occurred = _blank(attrs.get("occurred_at"))
    if occurred is not None:
        try:
            datetime.fromisoformat(occurred.replace("Z", "+00:00"))
        except ValueError:
            raise Open311Error(400, "attribute[occurred_at] must be an ISO 8601 datetime") from None
        known["occurred_at"] = occurred
    return known


def create_request(session: Session, req: NewRequest, attrs: dict[str, str], *, now: datetime) -> list[dict[str, Any]]:
    plain = _blank(req.api_key)
    key = find_api_key(session, plain) if plain else None
    if key is None or key.system != "open311":
        raise Open311Error(403, "api_key is missing or not valid for Open311")
    code = _blank(req.service_code)
    if code is None:
        raise Open311Error(400, "service_code is required")
    category = session.get(Category, code)
    if category is None or not category.active:
        raise Open311Error(404, f"service_code {code} not found")
    lat, lng = _float("lat", _blank(req.lat)), _float("long", _blank(req.long))
    address, address_id = _blank(req.address_string), _blank(req.address_id)
    if (lat is None) != (lng is None):
        raise Open311Error(400, "lat and long must be given together")
    if lat is None and address is None and address_id is None:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    description = _blank(req.description)
    if description is not None and len(description) > 4000:
        raise Open311Error(400, "description is longer than 4000 characters")
    known = _attributes(session, attrs)
    name = "".join(p for p in (_blank(req.last_name), _blank(req.first_name)) if p) or None
    content = description or category.name
    if known.get("occurred_at"):
        content += f"（发生时间：{known['occurred_at']}）"
    try:
        body = CaseCreate(channel="open311", content=content if len(content) >= 2 else f"{content}（Open311）",
                          address=address or "", citizen_name=name, citizen_phone=_blank(req.phone), lng=lng,
                          lat=lat, category=category.code, town=known.get("town"), source_system="open311")
    except ValidationError as exc:
        error = exc.errors()[0]
        field = {"citizen_name": "first_name/last_name", "citizen_phone": "phone", "lng": "long",
                 "content": "description", "address": "address_string"}.get(str(error["loc"][0]), str(error["loc"][0]))
        raise Open311Error(400, f"{field}: {error['msg']}") from None
    for label, value, limit in (("email", req.email, 200), ("device_id", req.device_id, 200),
                                ("account_id", req.account_id, 200), ("address_id", address_id, 200),
                                ("media_url", req.media_url, 1000)):
        if value and len(value) > limit:
            raise Open311Error(400, f"{label} is longer than {limit} characters")
    try:
        case = do_create_case(session, body, actor_for_api_key(session, key), now=now)
    except DomainError as exc:
        raise Open311Error(400, exc.message) from None
    token = secrets.token_urlsafe(16)
    session.add(Open311Request(case_id=case.id, token=token, api_key_id=key.id, service_code=category.code,
                               email=_blank(req.email), device_id=_blank(req.device_id),
                               account_id=_blank(req.account_id), address_id=address_id,
                               media_url=_blank(req.media_url), attributes=known))
    session.flush()
    return [{"service_request_id": case.number, "token": token,
             "service_notice": f"已受理，编号 {case.number}，可随时查询办理进度", "account_id": _blank(req.account_id)}]


# --- reading requests --------------------------------------------------------------------------

def _public_channels() -> list[str]:
    return [c.strip() for c in channel_settings().open311_public_channels.split(",") if c.strip()]


def parse_datetime(name: str, value: str) -> datetime:
    try:
        # a "+" left unencoded in a query string arrives as a space: 2026-11-25T00:00:00 08:00
        parsed = datetime.fromisoformat(re.sub(r" (\d{2}:?\d{2})$", r"+\1", value.strip()))
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C datetime, e.g. 2026-11-25T00:00:00Z") from None
    try:
        moment: datetime | None = as_utc(parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI))
    except OverflowError:  # 0001-01-01T00:00:00+08:00 is before the first moment datetime holds in UTC
        moment = None
    if moment is None or not EARLIEST <= moment <= LATEST:
        raise Open311Error(400, f"{name} must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return moment


@dataclass
class RequestFilter:
    service_request_id: str | None = None
    service_code: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    status: str | None = None


def _span(start_text: str | None, end_text: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The requested window; missing ends default to the 90 days before now (or after start)."""
    start = parse_datetime("start_date", start_text) if start_text else None
    end = parse_datetime("end_date", end_text) if end_text else None
    if end is None:
        end = start + MAX_SPAN if start is not None else now
    if start is None:
        start = end - MAX_SPAN
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    return start, end


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def list_requests(session: Session, f: RequestFilter, *, now: datetime) -> list[dict[str, Any]]:
    stmt = select(Case).where(Case.channel.in_(_public_channels()))
    ids = _split(f.service_request_id)
    if ids:  # overrides every other filter
        stmt = stmt.where(Case.number.in_(ids[:MAX_REQUESTS]))
    else:
        codes = _split(f.service_code)
        if codes:
            stmt = stmt.where(Case.category_code.in_(codes))
        start, end = _span(_blank(f.start_date), _blank(f.end_date), now)
        stmt = stmt.where(Case.created_at >= start, Case.created_at <= end)
        statuses = _split(f.status)
        bad = [s for s in statuses if s not in ("open", "closed")]
        if bad:
            raise Open311Error(400, f"status {bad[0]} is not open or closed")
        if statuses == ["closed"]:
            stmt = stmt.where(Case.status == "closed")
        elif statuses == ["open"]:
            stmt = stmt.where(Case.status != "closed")
    cases = list(session.scalars(stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_REQUESTS)))
    return _requests_out(session, cases)


def get_request(session: Session, service_request_id: str) -> list[dict[str, Any]]:
    case = session.scalars(select(Case).where(Case.number == service_request_id,
                                              Case.channel.in_(_public_channels()))).first()
    if case is None:
        raise Open311Error(404, f"service_request_id {service_request_id} not found")
    return _requests_out(session, [case])


def request_for_token(session: Session, token: str) -> list[dict[str, Any]]:
    row = session.scalars(select(Open311Request).where(Open311Request.token == token)).first()
    number = session.scalar(select(Case.number).where(Case.id == row.case_id)) if row else None
    if row is None or number is None:
        raise Open311Error(404, f"token {token} not found")
    return [{"service_request_id": number, "token": token}]


def _requests_out(session: Session, cases: list[Case]) -> list[dict[str, Any]]:
    if not cases:
        return []
    ids = [c.id for c in cases]
    extras = {r.case_id: r for r in session.scalars(select(Open311Request).where(Open311Request.case_id.in_(ids)))}
    categories = dict(session.execute(select(Category.code, Category.name)).all())
    units = dict(session.execute(select(Unit.code, Unit.name)).all())
    out = []
    for c in cases:
        extra = extras.get(c.id)
        closed = c.status == "closed"
        out.append({
            "service_request_id": c.number,
            "status": "closed" if closed else "open",
            "status_notes": (c.public_answer or "已办结") if closed else STATUS_LABELS.get(c.status, c.status),
            "service_name": categories.get(c.category_code or ""),
            "service_code": c.category_code,
            "description": c.content,
            "agency_responsible": units.get(c.unit_code or ""),
            "service_notice": None,
            "requested_datetime": iso(c.created_at),
            "updated_datetime": iso(c.updated_at),
            "expected_datetime": None,
            "address": c.address or None,
            "address_id": extra.address_id if extra else None,
            "zipcode": None,
            "lat": c.lat,
            "long": c.lng,
            "media_url": extra.media_url if extra else None,
        })
    return out
