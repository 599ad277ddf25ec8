"""Console sign-in: the session cookie, landing pages per role, CSRF tokens for state changes.

The cookie holds the same signed token as the API's bearer token (api/deps.py). Every
state-changing console request carries a CSRF token derived from that cookie (header
`X-CSRF-Token`, sent by htmx, or form field `csrf_token`), so a forged cross-site form fails
even where SameSite does not protect.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from minsheng.api.deps import SESSION_COOKIE, csrf_token_for, database, request_actor
from minsheng.db import Database
from minsheng.directory.actors import Actor
from minsheng.errors import Forbidden, Unauthorized

LOGIN_PATH = "/login"
LANDING = {
    "call_taker": "/intake", "city_dispatcher": "/queue", "town_dispatcher": "/queue", "handler": "/queue",
    "team_member": "/m", "supervisor": "/escalations", "leader": "/dashboard", "admin": "/queue",
    "editor": "/typical-cases",
}
# Which console areas each role uses (also the navigation bar).
AREAS: dict[str, frozenset[str]] = {
    "intake": frozenset({"call_taker", "city_dispatcher", "admin"}),
    "queue": frozenset({"call_taker", "city_dispatcher", "town_dispatcher", "handler", "supervisor", "leader",
                        "admin"}),
    "teams": frozenset({"city_dispatcher", "town_dispatcher", "supervisor", "leader", "admin"}),
    "escalations": frozenset({"city_dispatcher", "town_dispatcher", "supervisor", "leader", "admin"}),
    "dashboard": frozenset({"city_dispatcher", "town_dispatcher", "supervisor", "leader", "admin"}),
    "tasks": frozenset({"team_member"}),
    # proposals: suggestions and proposals for the centre and the units that host or assist them;
    # typical cases for the centre's supervisors, editors and leaders
    "proposals": frozenset({"city_dispatcher", "town_dispatcher", "handler", "supervisor", "leader", "editor",
                            "admin"}),
    "typical_cases": frozenset({"supervisor", "editor", "leader", "admin"}),
}


def landing_for(role: str) -> str:
    return LANDING.get(role, "/queue")


def _to_login(request: Request) -> HTTPException:
    target = LOGIN_PATH + "?next=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if request.headers.get("hx-request"):
        return HTTPException(401, "请先登录", headers={"HX-Redirect": target})
    return HTTPException(303, "请先登录", headers={"Location": target})


def console_actor(request: Request, db: Annotated[Database, Depends(database)]) -> Actor:
    """The signed-in console user; without a valid session cookie the browser goes to /login."""
    if not request.cookies.get(SESSION_COOKIE):
        raise _to_login(request)
    try:
        actor = request_actor(request, db)
    except Unauthorized:
        raise _to_login(request) from None
    if actor is None:
        raise _to_login(request)
    if actor.role == "integration":
        raise Forbidden("集成客户端不能使用控制台")
    return actor


async def require_csrf(request: Request) -> None:
    token = request.cookies.get(SESSION_COOKIE, "")
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not token or not sent or not hmac.compare_digest(sent, csrf_token_for(token)):
        raise Forbidden("页面已过期或请求来源不明，请刷新页面后重试")


def area_guard(area: str) -> Callable[[Actor], Actor]:
    """Dependency: the console user, if its role uses `area`."""

    def _guard(actor: Annotated[Actor, Depends(console_actor)]) -> Actor:
        if actor.role not in AREAS[area]:
            raise Forbidden("当前角色不能访问该页面")
        return actor

    return _guard


ConsoleActor = Annotated[Actor, Depends(console_actor)]
Csrf = Depends(require_csrf)
