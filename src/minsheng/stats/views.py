"""GET /api/v1/ops/backlog: the background queues' figures for the city centre. Thin."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from minsheng.api.deps import ReadSession, StaffActor
from minsheng.clock import utcnow
from minsheng.directory.actors import Actor
from minsheng.errors import Forbidden
from minsheng.stats.backlog import as_json, backlog

router = APIRouter(prefix="/api/v1/ops", tags=["ops"])
# Platform-wide figures: for those who run the city centre, not for a unit's or a town's users.
OPS_ROLES = frozenset({"city_dispatcher", "supervisor", "leader", "admin"})

State = Literal["ok", "lagging", "stalled"]


class QueueOut(BaseModel):
    key: str
    label: str
    pending: int
    oldest_seconds: float | None
    retrying: int
    state: State
    state_label: str


class BacklogOut(BaseModel):
    at: datetime
    state: State
    queues: list[QueueOut]


def may_see_backlog(actor: Actor) -> bool:
    return actor.role in OPS_ROLES and actor.sees_everything


@router.get("/backlog", response_model=BacklogOut, summary="后台任务积压（分拨、消息、时限提醒）")
def get_backlog(actor: StaffActor, session: ReadSession) -> BacklogOut:
    if not may_see_backlog(actor):
        raise Forbidden("只有市中心的调度、督办、领导和管理员可以查看后台任务积压")
    now = utcnow()
    return BacklogOut.model_validate(as_json(backlog(session, now), now))
