"""Changing the duty picture: a team's status and its shift roster. One transaction per call."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.directory import service as directory
from minsheng.directory.actors import Actor
from minsheng.directory.models import Team, TeamShift, Unit
from minsheng.errors import Forbidden, InvalidField, NotFound

EDITORS = frozenset({"city_dispatcher", "town_dispatcher", "admin"})
STATUSES = ("on_duty", "en_route", "on_site", "off_duty")
SHIFT_ROLES = ("leader", "member", "driver")
MAX_SHIFT = timedelta(hours=24)


def _editable_team(session: Session, code: str, actor: Actor) -> Team:
    team = directory.lock_team(session, code)
    if team is None:
        raise NotFound("队伍不存在")
    unit = session.get(Unit, team.unit_code)
    if actor.role not in EDITORS or unit is None or not unit.path.startswith(actor.unit_path):
        raise Forbidden("只能调整本单位及下级的队伍")
    return team


def do_set_team_status(session: Session, code: str, status: str, actor: Actor, *, now: datetime) -> Team:
    if status not in STATUSES:
        raise InvalidField("status", f"未知状态 {status}")
    team = _editable_team(session, code, actor)
    team.status, team.status_at = status, now
    if status in ("on_duty", "off_duty"):
        team.current_case_id = None
    return team


def do_add_shift(session: Session, code: str, member_name: str, role: str, starts_at: datetime,
                 ends_at: datetime, actor: Actor) -> TeamShift:
    team = _editable_team(session, code, actor)
    name = member_name.strip()
    if not name:
        raise InvalidField("member_name", "请填写队员姓名")
    if role not in SHIFT_ROLES:
        raise InvalidField("role", f"未知岗位 {role}")
    if ends_at <= starts_at:
        raise InvalidField("ends_at", "下班时间必须晚于上班时间")
    if ends_at - starts_at > MAX_SHIFT:
        raise InvalidField("ends_at", "一个班次不能超过 24 小时")
    clash = session.scalars(select(TeamShift).where(
        TeamShift.team_code == team.code, TeamShift.member_name == name[:64], TeamShift.starts_at < ends_at,
        TeamShift.ends_at > starts_at)).first()
    if clash is not None:
        raise InvalidField("starts_at", f"{name} 在该时段已有班次")
    shift = TeamShift(team_code=team.code, member_name=name[:64], role=role, starts_at=starts_at, ends_at=ends_at)
    session.add(shift)
    session.flush()
    return shift


def do_remove_shift(session: Session, shift_id: int, actor: Actor) -> None:
    shift = session.get(TeamShift, shift_id)
    if shift is None:
        raise NotFound("班次不存在")
    _editable_team(session, shift.team_code, actor)
    session.delete(shift)
