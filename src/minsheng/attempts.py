"""Failed attempts counted in sliding windows, for rate limits that hold across processes.

Wrong guesses (a citizen's case number and phone digits, a staff password) are rows of one table
(`citizen_lookup_failures`: scope, salted hash of the key, time), so every process behind a load
balancer counts the same failures; the keys are HMACs under the platform's secret, so the table
holds no addresses, user names or case numbers. Rows older than the longest window are deleted
as new ones are written.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from minsheng.errors import DomainError
from minsheng.integrations.models import LookupFailure
from minsheng.settings import get_settings


class TooManyAttempts(DomainError):
    status_code = 429
    code = "too_many_attempts"
    message = "尝试次数过多，请稍后再试"


def key_of(scope: str, value: str) -> str:
    key = get_settings().resolved_secret_key().encode()
    return hmac.new(key, f"{scope}:{value}".encode(), hashlib.sha256).hexdigest()


def failures(session: Session, scope: str, key_hash: str, since: datetime) -> int:
    return session.scalar(select(func.count()).select_from(LookupFailure).where(
        LookupFailure.scope == scope, LookupFailure.key_hash == key_hash, LookupFailure.at > since)) or 0


def over_limit(session: Session, limits: list[tuple[str, str, int, int]], now: datetime) -> bool:
    """Whether any (scope, key hash, max failures, window seconds) has reached its maximum."""
    return any(failures(session, scope, key_hash, now - timedelta(seconds=window)) >= most
               for scope, key_hash, most, window in limits)


def record_failure(session: Session, keys: list[tuple[str, str]], now: datetime, horizon_seconds: int) -> None:
    """One failure for each (scope, key hash); rows of these scopes older than `horizon_seconds` go
    (other limiters' rows keep their own, possibly longer, windows)."""
    session.execute(delete(LookupFailure).where(LookupFailure.scope.in_({scope for scope, _ in keys}),
                                                LookupFailure.at < now - timedelta(seconds=horizon_seconds)))
    session.add_all([LookupFailure(scope=scope, key_hash=key_hash, at=now) for scope, key_hash in keys])
