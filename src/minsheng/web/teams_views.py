"""The duty teams board (/teams): status, members on shift, vehicles, equipment, rosters;
and the team member's phone view of its tasks (/m)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile as StarletteUpload

from minsheng.api.deps import ReadSession, WriteSession
from minsheng.cases import present, service
from minsheng.cases.attachments import do_attach
from minsheng.cases.models import Case
from minsheng.cases.service import allowed_for
from minsheng.clock import SHANGHAI, utcnow
from minsheng.directory.actors import Actor
from minsheng.directory.models import Team
from minsheng.errors import InvalidField
from minsheng.inputs import FIRST_YEAR, LAST_YEAR
from minsheng.settings import get_settings
from minsheng.teams.board import duty_board
from minsheng.teams.service import do_add_shift, do_remove_shift, do_set_team_status
from minsheng.teams.tasks import team_tasks
from minsheng.web.actions import action_body, form_for
from minsheng.web.auth import Csrf, area_guard
from minsheng.web.clocks import next_clock
from minsheng.web.pages import ConsoleRoute, FormFields, flash, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
TeamsActor = Annotated[Actor, Depends(area_guard("teams"))]
TaskActor = Annotated[Actor, Depends(area_guard("tasks"))]


def _local_input(value: str, field: str) -> datetime:
    """A <input type=datetime-local> value, read as Asia/Shanghai time."""
    try:
        moment = datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise InvalidField(field, "时间格式不正确") from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise InvalidField(field, f"时间须在 {FIRST_YEAR} 年至 {LAST_YEAR} 年之间")
    return moment


def _board(request: Request, actor: Actor, session: Any, message: str | None = None) -> Response:
    return render(request, "teams.html", actor, cards=duty_board(session, actor),
                  flash_message=flash(message) if message else None)


@router.get("/teams")
def teams_page(request: Request, actor: TeamsActor, session: ReadSession) -> Response:
    return _board(request, actor, session)


@router.post("/teams/{code}/status", dependencies=[Csrf])
def set_status(code: str, request: Request, actor: TeamsActor, session: WriteSession,
               status: Annotated[str, Form(max_length=16)]) -> Response:
    team = do_set_team_status(session, code, status, actor, now=utcnow())
    return _board(request, actor, session, f"{team.name} 状态已更新")


@router.post("/teams/{code}/shifts", dependencies=[Csrf])
def add_shift(code: str, request: Request, actor: TeamsActor, session: WriteSession,
              member_name: Annotated[str, Form(max_length=64)], starts_at: Annotated[str, Form(max_length=32)],
              ends_at: Annotated[str, Form(max_length=32)], role: Annotated[str, Form(max_length=16)] = "member",
              ) -> Response:
    shift = do_add_shift(session, code, member_name, role, _local_input(starts_at, "starts_at"),
                         _local_input(ends_at, "ends_at"), actor)
    return _board(request, actor, session, f"已为 {shift.member_name} 排班")


@router.post("/teams/shifts/{shift_id}/delete", dependencies=[Csrf])
def remove_shift(shift_id: int, request: Request, actor: TeamsActor, session: WriteSession) -> Response:
    do_remove_shift(session, shift_id, actor)
    return _board(request, actor, session, "已删除班次")


def _tasks(session: Any, actor: Actor) -> dict[str, Any]:
    cases: list[Case] = team_tasks(session, actor)
    summaries = present.summaries(session, cases)
    team = session.get(Team, actor.team_code) if actor.team_code else None
    return {"tasks": [(s, next_clock(s.clocks), allowed_for(session, c, actor))
                      for s, c in zip(summaries, cases, strict=True)],
            "team_name": team.name if team is not None else None}


@router.get("/m")
def tasks_page(request: Request, actor: TaskActor, session: ReadSession) -> Response:
    return render(request, "tasks.html", actor, **_tasks(session, actor))


@router.post("/m/tasks/{case_id}/{action}", dependencies=[Csrf])
def task_action(case_id: int, action: str, request: Request, actor: TaskActor, session: WriteSession,
                form: FormFields) -> Response:
    photo = form.get("photo")
    if isinstance(photo, StarletteUpload) and photo.filename:
        settings = get_settings()
        do_attach(session, case_id, photo.filename, photo.content_type or "",
                  photo.file.read(settings.max_attachment_bytes + 1), actor, settings, now=utcnow())
    case = service.do_action(session, case_id, action, action_body(form), actor)
    return render(request, "tasks.html", actor, flash_message=flash(f"{case.number} 已{form_for(action).label}"),
                  **_tasks(session, actor))
