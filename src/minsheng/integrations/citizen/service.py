"""Looking up one's own case and rating it, with wrong guesses rate-limited.

Rate limiting counts failed look-ups (minsheng.attempts), per client address and per case number,
in sliding windows (defaults: 5 per number per 15 minutes, 20 per address per hour). Over the
limit every attempt is refused, right or wrong, until the window has moved on.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.attempts import TooManyAttempts, key_of, over_limit, record_failure
from minsheng.cases.models import Case
from minsheng.cases.present import STATUS_LABELS
from minsheng.cases.schemas import ActionBody, Rating
from minsheng.cases.service import do_action
from minsheng.directory import service as directory
from minsheng.directory.actors import Actor
from minsheng.directory.models import Unit
from minsheng.errors import DomainError
from minsheng.integrations.settings import channel_settings
from minsheng.settings import get_settings

TOKEN_MAX_AGE = 3600
STAGES = (("created_at", "受理"), ("assigned_at", "派单"), ("signed_at", "签收"), ("arrived_at", "到达现场"),
          ("replied_at", "反馈结果"), ("closed_at", "办结"))


class LookupFailed(DomainError):
    status_code = 404
    code = "lookup_failed"
    message = "案件编号或手机号后四位不正确"


def _phone_tail(phone: str | None) -> str | None:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:] if len(digits) >= 4 else None


def lookup(session: Session, number: str, last4: str, client: str, *, now: datetime) -> Case | None:
    """The case when number and digits match; None after recording a failure. Raises TooManyAttempts.

    The caller commits even when None comes back, so that the failure counts.
    """
    settings = channel_settings()
    ip_key, case_key = key_of("ip", client), key_of("case", number)
    if over_limit(session, [
            ("ip", ip_key, settings.lookup_max_failures_per_ip, settings.lookup_ip_window_seconds),
            ("case", case_key, settings.lookup_max_failures_per_case, settings.lookup_case_window_seconds)], now):
        raise TooManyAttempts()
    case = session.scalars(select(Case).where(Case.number == number)).first()
    tail = _phone_tail(case.citizen_phone) if case is not None else None
    if case is not None and tail is not None and hmac.compare_digest(tail, last4):
        return case
    record_failure(session, [("ip", ip_key), ("case", case_key)], now,
                   max(settings.lookup_ip_window_seconds, settings.lookup_case_window_seconds))
    return None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().resolved_secret_key(), salt="minsheng-citizen-rating")


def rating_token(case: Case) -> str:
    return _serializer().dumps({"c": case.id, "n": case.number})


def case_from_token(token: str) -> int:
    try:
        data = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except SignatureExpired:
        raise LookupFailed("页面已过期，请重新查询后评价") from None
    except BadSignature:
        raise LookupFailed("评价链接无效，请重新查询") from None
    return int(data["c"])


def citizen_actor(session: Session, case: Case) -> Actor:
    centre = directory.centre_unit(session)
    return Actor(None, f"citizen:{case.number}", "群众（网上评价）", "citizen", centre.code, centre.path)


def rate(session: Session, token: str, rating: Rating, comment: str | None, *, now: datetime) -> Case:
    """Record the citizen's rating through the case workflow (callback action)."""
    case = session.get(Case, case_from_token(token))
    if case is None:
        raise LookupFailed()
    body = ActionBody(rating=rating, comment=comment or None)
    return do_action(session, case.id, "callback", body, citizen_actor(session, case), now=now)


@dataclass
class PublicCase:
    number: str
    status: str
    status_label: str
    content: str
    address: str
    unit_name: str | None
    public_answer: str | None
    stages: list[tuple[str, datetime]]
    can_rate: bool
    rating: str | None
    rating_comment: str | None
    token: str


def public_view(session: Session, case: Case) -> PublicCase:
    unit = session.get(Unit, case.unit_code) if case.unit_code else None
    stages = [(label, getattr(case, stamp)) for stamp, label in STAGES if getattr(case, stamp)]
    closed = case.status == "closed"
    return PublicCase(
        number=case.number, status=case.status, status_label=STATUS_LABELS.get(case.status, case.status),
        content=case.content, address=case.address, unit_name=unit.name if unit else None,
        public_answer=case.public_answer if closed else None, stages=stages,
        can_rate=closed and not case.rated, rating=case.rating,
        rating_comment=case.rating_comment, token=rating_token(case))


def as_dict(view: PublicCase) -> dict[str, Any]:
    return view.__dict__.copy()
