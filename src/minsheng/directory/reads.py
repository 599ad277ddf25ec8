"""Plain read models of the directory for the API and the console."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.directory.actors import Actor
from minsheng.directory.models import Category, Division, Team, Unit


def units(session: Session) -> list[dict[str, Any]]:
    return [
        {"code": u.code, "name": u.name, "level": u.level, "kind": u.kind, "parent": u.parent_code,
         "town": u.town_code, "duties": u.duties}
        for u in session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.path))
    ]


def teams(session: Session, town: str | None = None) -> list[dict[str, Any]]:
    stmt = select(Team).order_by(Team.code)
    if town:
        stmt = stmt.where(Team.town_code == town)
    return [
        {"code": t.code, "name": t.name, "town": t.town_code, "unit": t.unit_code, "status": t.status,
         "base": [t.base_lng, t.base_lat], "vehicles": t.vehicles, "equipment": t.equipment,
         "members": t.members, "current_case_id": t.current_case_id}
        for t in session.scalars(stmt)
    ]


def categories(session: Session) -> list[dict[str, Any]]:
    return [
        {"code": c.code, "name": c.name, "group": c.group_code, "group_name": c.group_name,
         "dept": c.dept, "track": c.track, "description": c.description}
        for c in session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code))
    ]


def divisions(session: Session, parent: str | None = None, level: str | None = None) -> list[dict[str, Any]]:
    stmt = select(Division).order_by(Division.code)
    if parent:
        stmt = stmt.where(Division.parent_code == parent)
    if level:
        stmt = stmt.where(Division.level == level)
    if not parent and not level:
        stmt = stmt.where(Division.in_city.is_(True))
    return [
        {"code": d.code, "name": d.name, "short": d.short, "level": d.level, "parent": d.parent_code,
         "aliases": d.aliases, "former_names": d.former_names}
        for d in session.scalars(stmt.limit(5000))
    ]


def towns_in_scope(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of the towns an actor works in: every town for the city centre, else its own."""
    stmt = select(Division.code, Division.short, Division.name).where(
        Division.level == "town", Division.in_city.is_(True)).order_by(Division.code)
    if not actor.sees_everything:
        unit = session.get(Unit, actor.unit_code)
        if unit is None or not unit.town_code:
            return []
        stmt = stmt.where(Division.code == unit.town_code)
    return [(code, name) for code, _short, name in session.execute(stmt)]


def place_names(session: Session) -> dict[str, str]:
    """Division code → the name people use: a town's full name, a village's short name."""
    rows = session.execute(select(Division.code, Division.level, Division.short, Division.name)
                           .where(Division.in_city.is_(True)))
    return {code: (name if level != "village" else short or name) for code, level, short, name in rows}
