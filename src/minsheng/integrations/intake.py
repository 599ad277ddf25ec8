"""Intake from the 12345 hotline and the 110 police desk: idempotent, one case per sender's record.

The sender's own record id (source_id) or an Idempotency-Key header makes a retry return the same
case. On PostgreSQL concurrent retries are serialised by a transaction-scoped advisory lock on the
key, so the check-then-insert cannot race; a unique violation (other writers of the same source
pair) is still caught in a savepoint and answered with the winner. On SQLite BEGIN IMMEDIATE
already serialises writers.

Each intake runs in its own transaction under a per-process semaphore: the case number is taken
on a second pooled connection (cases.numbers), so an unbounded number of transactions waiting on
the same lock could otherwise hold every pooled connection while the winner waits for one.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, UrlConstraints
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.cases.schemas import CaseCreate
from minsheng.cases.service import do_create_case
from minsheng.clock import utcnow
from minsheng.db import Database, is_postgres
from minsheng.directory.actors import Actor
from minsheng.directory.models import ApiKey
from minsheng.errors import Conflict, InvalidField
from minsheng.inputs import InputModel
from minsheng.integrations.clients import ensure_client, require_client
from minsheng.integrations.models import ChannelClient, IdempotencyKey, IntakeLink

System = Literal["12345", "110"]
CallbackUrl = Annotated[HttpUrl, UrlConstraints(max_length=500, allowed_schemes=["http", "https"])]
_gate = threading.BoundedSemaphore(8)  # ≤ 16 of the 30 pooled connections (db.make_engine)


class IntakeIn(InputModel):
    """A request handed over by another system. Field names are the contract with the sender."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source_id: str | None = Field(None, min_length=1, max_length=128, description="发送方系统中的记录编号")
    content: str = Field(min_length=2, max_length=4000, description="诉求内容")
    address: str = Field(min_length=1, max_length=300, description="事发地址")
    citizen_name: str | None = Field(None, max_length=64)
    citizen_phone: str | None = Field(None, max_length=32, pattern=r"^\+?[0-9][0-9\- ]{2,30}$")
    lng: float | None = Field(None, ge=73, le=136)
    lat: float | None = Field(None, ge=3, le=54)
    callback_url: CallbackUrl | None = Field(None, description="办理进展回传地址（HMAC-SHA256 签名）")


class IntakeOut(BaseModel):
    case_id: int
    number: str
    system: str
    source_id: str | None
    received_at: datetime


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = "该 Idempotency-Key 已用于内容不同的请求"


@dataclass
class IntakeResult:
    response: dict[str, Any]
    created: bool


def request_hash(body: IntakeIn) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def receive(db: Database, system: str, body: IntakeIn, actor: Actor, *, idempotency_key: str | None = None,
            now: datetime | None = None) -> IntakeResult:
    """Create the case for this request once; any retry gets the same answer."""
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not 1 <= len(idempotency_key) <= 200:
            raise InvalidField("Idempotency-Key", "Idempotency-Key 长度应为 1 到 200 个字符")
    if body.source_id is None and idempotency_key is None:
        raise InvalidField("source_id", "请提供 source_id（发送方记录编号）或 Idempotency-Key 请求头")
    with _gate, db.session() as session:
        return do_intake(session, system, body, actor, idempotency_key=idempotency_key, now=now or utcnow())


def do_intake(session: Session, system: str, body: IntakeIn, actor: Actor, *, idempotency_key: str | None,
              now: datetime) -> IntakeResult:
    key, client = require_client(session, actor, system)
    digest = request_hash(body)
    if body.source_id is not None:
        _serialise(session, f"intake:{system}:source:{body.source_id}")
    if idempotency_key is not None:
        _serialise(session, f"intake:{system}:key:{idempotency_key}")
    found = _existing(session, system, body.source_id, idempotency_key, digest)
    if found is not None:
        return IntakeResult(found, created=False)
    try:
        with session.begin_nested():
            response = _create(session, system, body, actor, key, client, idempotency_key, digest, now)
    except IntegrityError:
        found = _existing(session, system, body.source_id, idempotency_key, digest)
        if found is None:
            raise Conflict("同一请求正在受理，请稍后重试") from None
        return IntakeResult(found, created=False)
    return IntakeResult(response, created=True)


def _serialise(session: Session, name: str) -> None:
    """Hold a PostgreSQL advisory lock on `name` until the transaction ends."""
    if is_postgres(session):
        lock_id = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_id})


def _existing(session: Session, system: str, source_id: str | None, idempotency_key: str | None,
              digest: str) -> dict[str, Any] | None:
    if idempotency_key is not None:
        seen = session.scalars(select(IdempotencyKey).where(
            IdempotencyKey.system == system, IdempotencyKey.key == idempotency_key)).first()
        if seen is not None:
            if seen.request_hash != digest:
                raise IdempotencyKeyReused()
            case = session.get(Case, seen.case_id) if seen.case_id is not None else None
            if case is not None:
                return _response_of(session, case)
    if source_id is not None:
        case = session.scalars(select(Case).where(Case.source_system == system, Case.source_id == source_id)).first()
        if case is not None:
            return _response_of(session, case)
    return None


def _response_of(session: Session, case: Case) -> dict[str, Any]:
    link = session.get(IntakeLink, case.id)
    return _canonical(link.response) if link is not None else _response(case)


def _canonical(stored: dict[str, Any]) -> dict[str, Any]:
    """The stored answer in the field order of IntakeOut (JSONB does not keep key order)."""
    return IntakeOut.model_validate(stored).model_dump(mode="json")


def _response(case: Case) -> dict[str, Any]:
    out = IntakeOut(case_id=case.id, number=case.number, system=case.source_system or case.channel,
                    source_id=case.source_id, received_at=case.created_at)
    return out.model_dump(mode="json")


def _create(session: Session, system: str, body: IntakeIn, actor: Actor, key: ApiKey,
            client: ChannelClient | None, idempotency_key: str | None, digest: str, now: datetime) -> dict[str, Any]:
    """A new case and its link. Under the lock no case has this source pair (see _existing); if one
    was created outside the intake meanwhile, the link's primary key collides and the caller answers
    with that case."""
    seen = None
    if idempotency_key is not None:
        seen = IdempotencyKey(system=system, key=idempotency_key, request_hash=digest, created_at=now)
        session.add(seen)
        session.flush()
    case = do_create_case(session, CaseCreate(
        channel=system, content=body.content, address=body.address, citizen_name=body.citizen_name,
        citizen_phone=body.citizen_phone, lng=body.lng, lat=body.lat, source_system=system,
        source_id=body.source_id), actor, now=now)
    if seen is not None:
        seen.case_id = case.id
    client = client or ensure_client(session, key, now=now)
    link = IntakeLink(case_id=case.id, system=system, api_key_id=key.id, source_id=body.source_id,
                      callback_url=str(body.callback_url) if body.callback_url else client.callback_url,
                      response=_response(case), created_at=now)
    session.add(link)
    session.flush()
    return _canonical(link.response)
