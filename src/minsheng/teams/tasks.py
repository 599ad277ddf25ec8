"""A team member's tasks: the open cases its team was dispatched to, newest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.directory.actors import Actor

ACTIVE = ("dispatched", "on_site")


def team_tasks(session: Session, actor: Actor, limit: int = 30) -> list[Case]:
    if not actor.team_code:
        return []
    return list(session.scalars(select(Case).where(Case.team_code == actor.team_code, Case.status.in_(ACTIVE))
                                .order_by(Case.id.desc()).limit(limit)))
