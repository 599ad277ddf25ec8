"""Read access to the directory: units and their command tree, scope of a user."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.directory.actors import Actor
from minsheng.directory.models import Category, Team, Unit
from minsheng.errors import InvalidField, NotFound


def get_unit(session: Session, code: str) -> Unit:
    unit = session.get(Unit, code)
    if unit is None or not unit.active:
        raise InvalidField("unit", f"未知单位代码 {code}")
    return unit


def centre_unit(session: Session) -> Unit:
    unit = session.scalars(select(Unit).where(Unit.kind == "centre")).first()
    if unit is None:
        raise NotFound("尚未加载城市配置（没有市级中心）")
    return unit


def town_centre(session: Session, town_code: str) -> Unit | None:
    return session.scalars(select(Unit).where(Unit.kind == "town_centre", Unit.town_code == town_code)).first()


def get_category(session: Session, code: str) -> Category:
    cat = session.get(Category, code)
    if cat is None or not cat.active:
        raise InvalidField("category", f"未知类别代码 {code}")
    return cat


def get_team(session: Session, code: str) -> Team:
    team = session.get(Team, code)
    if team is None:
        raise InvalidField("team", f"未知队伍代码 {code}")
    return team


def units_below(session: Session, actor: Actor) -> list[str]:
    return list(session.scalars(select(Unit.code).where(Unit.path.startswith(actor.unit_path))))


def case_scope(session: Session, actor: Actor) -> ColumnElement[bool] | None:
    """SQL condition for the cases this actor may see; None means every case.

    The city centre sees all; a town sub-centre sees its town and the units below it; a
    department sees what is assigned to it (and what it commands).
    """
    if actor.role == "team_member":
        return Case.team_code == (actor.team_code or "")
    if actor.sees_everything:
        return None
    unit = session.get(Unit, actor.unit_code)
    codes = units_below(session, actor)
    conditions: list[ColumnElement[bool]] = [Case.unit_code.in_(codes), Case.command_unit_code.in_(codes)]
    if unit is not None and unit.kind == "town_centre" and unit.town_code:
        conditions.append(Case.town_code == unit.town_code)
    return or_(*conditions)
