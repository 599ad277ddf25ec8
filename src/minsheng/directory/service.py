"""Read access to the directory: units and their command tree, scope of a user."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.db import for_update
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


# Configuration read on every intake (the centre's code, each category's track) changes only when a
# city configuration is loaded; keep it a few seconds per database. load_city clears it at once in
# its own process; other processes see a reload within _LOOKUP_TTL.
_LOOKUP_TTL = 5.0
_lookups: dict[tuple[int, str], tuple[float, Any]] = {}


def _lookup(session: Session, name: str, load: Any) -> Any:
    key = (id(session.get_bind().engine), name)
    hit = _lookups.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    _lookups[key] = (now + _LOOKUP_TTL, value)
    return value


def clear_lookups() -> None:
    _lookups.clear()


def centre_code(session: Session) -> str:
    """The city centre's unit code (cached briefly; see _lookup)."""
    return str(_lookup(session, "centre", lambda: centre_unit(session).code))


def category_track(session: Session, code: str) -> str:
    """The SLA track of an active category (cached briefly); InvalidField for an unknown one."""
    tracks: dict[str, str] = _lookup(session, "tracks", lambda: dict(session.execute(
        select(Category.code, Category.track).where(Category.active.is_(True))).all()))
    if code not in tracks:
        raise InvalidField("category", f"未知类别代码 {code}")
    return tracks[code]


def category_names(session: Session) -> dict[str, str]:
    """Every category's name by its code (cached briefly, like centre_code)."""
    names: dict[str, str] = _lookup(session, "category_names", lambda: dict(session.execute(
        select(Category.code, Category.name)).all()))
    return names


def unit_names(session: Session) -> dict[str, str]:
    """Every unit's name by its code (cached briefly, like centre_code)."""
    names: dict[str, str] = _lookup(session, "unit_names", lambda: dict(session.execute(
        select(Unit.code, Unit.name)).all()))
    return names


def town_centre(session: Session, town_code: str) -> Unit | None:
    return session.scalars(select(Unit).where(Unit.kind == "town_centre", Unit.town_code == town_code)).first()


def town_centre_code(session: Session, town_code: str) -> str | None:
    """The code of a town's sub-centre (cached briefly, like centre_code)."""
    codes: dict[str, str] = _lookup(session, "town_centres", lambda: dict(session.execute(
        select(Unit.town_code, Unit.code).where(Unit.kind == "town_centre", Unit.active.is_(True))).all()))
    return codes.get(town_code)


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


def lock_team(session: Session, code: str) -> Team | None:
    """The team row, locked and read afresh (status changes from two requests must not cross)."""
    return session.scalars(for_update(select(Team).where(Team.code == code), session, fresh=True)).first()


def commanded_teams(session: Session, actor: Actor, town: str | None) -> list[Team]:
    """The duty teams this actor may dispatch: its unit's subtree's; for a unit without teams of
    its own (a city department), the teams of the case's town."""
    stmt = select(Team).join(Unit, Unit.code == Team.unit_code)
    mine = list(session.scalars(stmt.where(Unit.path.startswith(actor.unit_path)).order_by(Team.code)))
    if not mine and town:
        mine = list(session.scalars(select(Team).where(Team.town_code == town).order_by(Team.code)))
    return mine


def units_below(session: Session, actor: Actor) -> list[str]:
    return list(session.scalars(select(Unit.code).where(Unit.path.startswith(actor.unit_path))))


# Domains may widen what a unit sees (a group's co-handling units see the group's case): an extension
# gets the actor and the codes of its unit and the units below it, and returns an extra condition.
ScopeExtension = Callable[[Session, Actor, list[str]], ColumnElement[bool] | None]
scope_extensions: list[ScopeExtension] = []


def case_scope(session: Session, actor: Actor) -> ColumnElement[bool] | None:
    """SQL condition for the cases this actor may see; None means every case.

    The city centre sees all; a town sub-centre sees its town and the units below it; a
    department sees what is assigned to it (and what it commands); `scope_extensions` add more.
    """
    if actor.role == "team_member":
        return Case.team_code == (actor.team_code or "")
    if actor.role == "integration":  # reads back only through its own channel (integrations.status)
        return false()
    if actor.sees_everything:
        return None
    unit = session.get(Unit, actor.unit_code)
    codes = units_below(session, actor)
    conditions: list[ColumnElement[bool]] = [Case.unit_code.in_(codes), Case.command_unit_code.in_(codes)]
    if unit is not None and unit.kind == "town_centre" and unit.town_code:
        conditions.append(Case.town_code == unit.town_code)
    for extension in scope_extensions:
        extra = extension(session, actor, codes)
        if extra is not None:
            conditions.append(extra)
    return or_(*conditions)
