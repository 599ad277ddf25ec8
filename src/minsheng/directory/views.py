"""Sign-in and the read endpoints of the directory: units, teams, categories, divisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from pydantic import BaseModel

from minsheng.api.deps import CurrentActor, ReadSession, client_address, database, request_credential, signer
from minsheng.clock import utcnow
from minsheng.db import Database
from minsheng.directory import reads
from minsheng.directory.security import sign_in, sign_out

router = APIRouter(prefix="/api/v1", tags=["directory"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


@router.post("/auth/token", response_model=TokenOut, summary="登录，换取访问令牌")
def issue_token(request: Request, username: Annotated[str, Form(max_length=64)],
                password: Annotated[str, Form(max_length=200)],
                db: Annotated[Database, Depends(database)]) -> TokenOut:
    user_id, _ = sign_in(db, username, password, client_address(request), now=utcnow())
    return TokenOut(access_token=signer().issue(user_id))


@router.post("/auth/logout", status_code=204, summary="退出登录：本令牌即时作废")
def revoke_token(request: Request, actor: CurrentActor, db: Annotated[Database, Depends(database)]) -> Response:
    credential = request_credential(request)
    if credential and actor.role != "integration":
        sign_out(db, credential)
    return Response(status_code=204)


@router.get("/me", summary="当前用户")
def me(actor: CurrentActor) -> dict[str, Any]:
    return {"username": actor.username, "display_name": actor.display_name, "role": actor.role,
            "unit": actor.unit_code, "level": actor.unit_level, "team": actor.team_code}


@router.get("/units", summary="承办单位（指挥体系）")
def units(actor: CurrentActor, session: ReadSession) -> list[dict[str, Any]]:
    return reads.units(session)


@router.get("/teams", summary="民声一键办队伍")
def teams(actor: CurrentActor, session: ReadSession, town: str | None = None) -> list[dict[str, Any]]:
    return reads.teams(session, town)


@router.get("/categories", summary="诉求分类")
def categories(actor: CurrentActor, session: ReadSession) -> list[dict[str, Any]]:
    return reads.categories(session)


@router.get("/divisions", summary="行政区划")
def divisions(actor: CurrentActor, session: ReadSession, parent: str | None = None,
              level: str | None = None) -> list[dict[str, Any]]:
    return reads.divisions(session, parent, level)
