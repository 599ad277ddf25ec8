"""Sign-in and sign-out, the landing redirect per role, and the packaged static files."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from minsheng.api.deps import SESSION_COOKIE, ReadSession, request_actor, signer
from minsheng.directory.actors import Actor
from minsheng.directory.security import authenticate
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
    from minsheng.db import get_db

    try:
        return request_actor(request, get_db())
    except Unauthorized:
        return None


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next) or "")


@router.post("/login")
def login(request: Request, session: ReadSession, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=200)], next: Annotated[str, Form()] = "") -> Response:
    try:
        user = authenticate(session, username.strip(), password)
    except Unauthorized as exc:
        return render(request, "login.html", status_code=401, error=exc.message, username=username, next=next)
    response = RedirectResponse(_safe_next(next) or landing_for(user.role), status_code=303)
    settings = get_settings()
    response.set_cookie(SESSION_COOKIE, signer().issue(user.id), max_age=settings.token_ttl_seconds,
                        httponly=True, samesite="lax", secure=settings.base_url.startswith("https://"))
    return response


@router.post("/logout", dependencies=[Csrf])
def logout() -> Response:
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
