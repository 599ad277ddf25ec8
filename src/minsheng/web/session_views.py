"""Sign-in and sign-out, the landing redirect per role, and the packaged static files."""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from minsheng.api.deps import SESSION_COOKIE, client_address, request_actor, signer
from minsheng.attempts import TooManyAttempts
from minsheng.clock import utcnow
from minsheng.db import get_db
from minsheng.directory.actors import Actor
from minsheng.directory.security import sign_in, sign_out
from minsheng.errors import NotFound, Unauthorized
from minsheng.settings import get_settings
from minsheng.web.auth import Csrf, landing_for
from minsheng.web.pages import STATIC_DIR, ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect to another host after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _quiet_actor(request: Request) -> Actor | None:

    try:
        return request_actor(request, get_db())
    except Unauthorized:
        return None


# Login CSRF (a forged cross-site form signing the victim in as the attacker): the form carries a
# token that must equal a cookie set with the page (double submit). SameSite=Strict keeps the
# cookie off cross-site requests, and another site can neither read nor set it.
LOGIN_COOKIE = "minsheng_login"
LOGIN_FIELD = "login_token"


def login_token_in(page: str) -> str:
    """The sign-in form's token in a login page's HTML (for clients that sign in by form: tests, benchmarks)."""
    found = re.search(rf'name="{LOGIN_FIELD}" value="([^"]+)"', page)
    return found.group(1) if found else ""


def _login_form(request: Request, status_code: int = 200, **context: Any) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status_code=status_code, login_token=token, **context)
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, path="/login", httponly=True, samesite="strict",
                        secure=get_settings().base_url.startswith("https://"))
    return response


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return _login_form(request, next=_safe_next(next) or "")


@router.post("/login")
def login(request: Request, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=200)], next: Annotated[str, Form()] = "",
          login_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not login_token or not hmac.compare_digest(expected, login_token):
        return _login_form(request, status_code=403, error="登录页面已过期，请重新输入后登录", username=username,
                           next=_safe_next(next) or "")
    try:
        user_id, role = sign_in(get_db(), username.strip(), password, client_address(request), now=utcnow())
    except (Unauthorized, TooManyAttempts) as exc:
        return _login_form(request, status_code=exc.status_code, error=exc.message, username=username,
                           next=_safe_next(next) or "")
    response = RedirectResponse(_safe_next(next) or landing_for(role), status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    settings = get_settings()
    response.set_cookie(SESSION_COOKIE, signer().issue(user_id), max_age=settings.token_ttl_seconds,
                        httponly=True, samesite="lax", secure=settings.base_url.startswith("https://"))
    return response


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request) -> Response:
    """Sign out: the session's token is ended (not only the cookie deleted), so a copy of it is
    worth nothing either."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        sign_out(get_db(), token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def landing(request: Request) -> Response:
    actor = _quiet_actor(request)
    return RedirectResponse(landing_for(actor.role) if actor else "/login", status_code=303)


@router.get("/static/{path:path}")
def static(path: str) -> Response:
    root = STATIC_DIR.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise NotFound("文件不存在")
    # vendored libraries never change under the same name; our own files are revalidated
    cache = "public, max-age=86400" if "vendor/" in path else "no-cache"
    return FileResponse(target, headers={"Cache-Control": cache})
