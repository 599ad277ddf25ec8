"""The duty board: each team's status, members on shift now, vehicles, equipment, current case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.clock import utcnow
from minsheng.directory.actors import Actor
from minsheng.directory.models import Team, TeamShift, Unit


@dataclass
class TeamCard:
    team: Team
    on_shift: list[TeamShift] = field(default_factory=list)
    upcoming: list[TeamShift] = field(default_factory=list)
    current_case: Case | None = None


def teams_in_scope(session: Session, actor: Actor) -> list[Team]:
    stmt = select(Team).join(Unit, Unit.code == Team.unit_code).order_by(Team.town_code, Team.code)
    if not actor.sees_everything:
        stmt = stmt.where(Unit.path.startswith(actor.unit_path))
    return list(session.scalars(stmt))


def on_shift_counts(session: Session, codes: list[str], now: datetime | None = None) -> dict[str, int]:
    if not codes:
        return {}
    now = now or utcnow()
    rows = session.execute(select(TeamShift.team_code, func.count()).where(
        TeamShift.team_code.in_(codes), TeamShift.starts_at <= now, TeamShift.ends_at > now,
    ).group_by(TeamShift.team_code))
    return {code: int(n) for code, n in rows}


def duty_board(session: Session, actor: Actor, now: datetime | None = None) -> list[TeamCard]:
    now = now or utcnow()
    teams = teams_in_scope(session, actor)
    cards = {t.code: TeamCard(t) for t in teams}
    if not cards:
        return []
    shifts = session.scalars(select(TeamShift).where(
        TeamShift.team_code.in_(cards), TeamShift.ends_at > now, TeamShift.starts_at < now + timedelta(hours=24),
    ).order_by(TeamShift.starts_at, TeamShift.member_name))
    for s in shifts:
        card = cards[s.team_code]
        (card.on_shift if s.starts_at <= now else card.upcoming).append(s)
    case_ids = [t.current_case_id for t in teams if t.current_case_id]
    if case_ids:
        by_id = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))}
        for t in teams:
            cards[t.code].current_case = by_id.get(t.current_case_id or 0)
    return list(cards.values())
