"""FastAPI dependencies: database sessions, the acting user (bearer token, API key or cookie).

A console's session cookie is accepted on the API too (the console links to attachments and
exports), but a state-changing request that authenticates by the cookie alone must carry the
console's CSRF token (`X-CSRF-Token`): a cookie is sent by the browser on requests that other
pages forge, a header is not.

FastAPI runs every plain `def` dependency in its thread pool, a hop that costs more than most of
these do. So the cheap ones are `async def` and only real database work goes to the pool: an actor
not in the cache is read there, and a write session's commit (or rollback) runs there.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from minsheng.db import Database, get_db
from minsheng.directory.actors import Actor
from minsheng.directory.models import User
from minsheng.directory.security import (
    API_KEY_PREFIX,
    TokenSigner,
    actor_for,
    actor_for_api_key,
    find_api_key,
    is_revoked,
)
from minsheng.errors import Forbidden, Unauthorized
from minsheng.settings import get_settings

SESSION_COOKIE = "minsheng_session"
_ACTOR_TTL = 5.0
_actor_cache: dict[str, tuple[float, Actor]] = {}
_signer: TokenSigner | None = None


def signer() -> TokenSigner:
    global _signer
    if _signer is None:
        settings = get_settings()
        _signer = TokenSigner(settings.resolved_secret_key(), settings.token_ttl_seconds)
    return _signer


def forget_credential(credential: str) -> None:
    """Drop a credential from this process's actor cache (after signing out)."""
    _actor_cache.pop(credential, None)


def reset_auth_caches() -> None:
    global _signer
    _signer = None
    _actor_cache.clear()


async def database() -> Database:
    return get_db()


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def fail_request(request: Request) -> None:
    """Mark the request failed, for a route class that answers an error itself (the console's):
    the exception then never reaches `write_session`, which must roll back all the same."""
    request.state.failed = True


async def write_session(request: Request, db: Annotated[Database, Depends(database)]) -> AsyncIterator[Session]:
    """One transaction per request: committed when the endpoint returns, rolled back if it raises
    (or if its route answered an error itself: `fail_request`). Opening a session does no I/O (it
    connects on first use), so only the ending goes to the pool."""
    session = db.sessionmaker()
    session.begin()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_end, session, False)
        raise
    await run_in_threadpool(_end, session, not getattr(request.state, "failed", False))


async def read_session(db: Annotated[Database, Depends(database)]) -> AsyncIterator[Session]:
    session = db.read_sessionmaker()
    session.begin()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_end, session, False)
        raise
    await run_in_threadpool(_end, session, True)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token_for(session_token: str) -> str:
    """The console's CSRF token for a session cookie's token."""
    key = get_settings().resolved_secret_key().encode()
    return hmac.new(key, b"csrf|" + session_token.encode(), hashlib.sha256).hexdigest()[:40]


def client_address(request: Request) -> str:
    """The caller's address (behind a proxy, uvicorn puts the forwarded one here for trusted proxies)."""
    return request.client.host if request.client else "unknown"


def _header_credential(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    if request.headers.get("x-api-key"):
        return request.headers["x-api-key"].strip()
    return None


def _credential(request: Request) -> str | None:
    return _header_credential(request) or request.cookies.get(SESSION_COOKIE)


request_credential = _credential  # the bearer token, API key or session cookie the request carries


def cookie_without_csrf(request: Request) -> bool:
    """A state-changing request authenticated by the session cookie alone, without the CSRF token
    that the console's own pages send."""
    if request.method in SAFE_METHODS or _header_credential(request):
        return False
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return False
    sent = request.headers.get("x-csrf-token", "")
    return not hmac.compare_digest(sent, csrf_token_for(cookie))


def _cached_actor(credential: str) -> Actor | None:
    cached = _actor_cache.get(credential)
    return cached[1] if cached and cached[0] > time.monotonic() else None


def known_actor(request: Request) -> Actor | None:
    """The caller's actor if the cache holds it (no I/O; the same bound as `current_actor`), for a
    request `current_actor` would let through."""
    credential = _credential(request)
    if not credential or cookie_without_csrf(request):
        return None
    return _cached_actor(credential)


def _resolve(db: Database, credential: str) -> Actor:
    cached = _cached_actor(credential)
    if cached is not None:
        return cached
    with db.read_session() as session:
        if credential.startswith(API_KEY_PREFIX):
            key = find_api_key(session, credential)
            if key is None:
                raise Unauthorized("API 密钥无效")
            actor = actor_for_api_key(session, key)
        else:
            user = session.get(User, signer().read(credential))
            if user is None or not user.active:
                raise Unauthorized("用户不存在或已停用")
            if is_revoked(session, credential):
                raise Unauthorized("已退出登录，请重新登录")
            actor = actor_for(session, user)
    _actor_cache[credential] = (time.monotonic() + _ACTOR_TTL, actor)
    return actor


def request_actor(request: Request, db: Database) -> Actor | None:
    """The caller's actor, synchronously (for code already running in the thread pool)."""
    credential = _credential(request)
    return _resolve(db, credential) if credential else None


async def _actor(db: Database, credential: str) -> Actor:
    cached = _cached_actor(credential)
    return cached if cached is not None else await run_in_threadpool(_resolve, db, credential)


async def optional_actor(request: Request, db: Annotated[Database, Depends(database)]) -> Actor | None:
    credential = _credential(request)
    return await _actor(db, credential) if credential else None


async def current_actor(request: Request, db: Annotated[Database, Depends(database)]) -> Actor:
    credential = _credential(request)
    if not credential:
        raise Unauthorized()
    if cookie_without_csrf(request):
        raise Forbidden("请求来源不明：使用登录会话调用接口时须附带 X-CSRF-Token")
    return await _actor(db, credential)


async def staff_actor(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """Signed-in staff only (not integration clients)."""
    if actor.role == "integration":
        raise Forbidden("集成客户端不能访问该接口")
    return actor


async def intake_actor(actor: Annotated[Actor, Depends(staff_actor)]) -> Actor:
    """Staff whose role takes in requests (not leaders' read-only accounts, not editors);
    integration clients file through /api/v1/intake/{system} and Open311."""
    from minsheng.cases.permissions import may_create

    if not may_create(actor.role):
        raise Forbidden("当前角色不能受理诉求")
    return actor


# A row id in a path: bounded to the database's integer range (PostgreSQL INTEGER) so that a
# huge number is a 422, not an out-of-range error from the database.
MAX_ROW_ID = 2_147_483_647
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
StaffActor = Annotated[Actor, Depends(staff_actor)]
IntakeActor = Annotated[Actor, Depends(intake_actor)]
# "function" scope: commit before the response is sent (the default "request" scope would commit
# after the client already has its 200, so a crash or a failed commit would contradict the answer).
WriteSession = Annotated[Session, Depends(write_session, scope="function")]
ReadSession = Annotated[Session, Depends(read_session)]
