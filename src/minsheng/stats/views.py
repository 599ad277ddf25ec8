"""GET /api/v1/ops/backlog: the background queues' figures for the city centre. Thin."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from minsheng.api.deps import ReadSession, StaffActor
from minsheng.clock import utcnow
from minsheng.stats.backlog import as_json, backlog, require_may_see_backlog

router = APIRouter(prefix="/api/v1/ops", tags=["ops"])

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


@router.get("/backlog", response_model=BacklogOut, summary="后台任务积压（分拨、消息、时限提醒）")
def get_backlog(actor: StaffActor, session: ReadSession) -> BacklogOut:
    require_may_see_backlog(actor)
    now = utcnow()
    return BacklogOut.model_validate(as_json(backlog(session, now), now))
