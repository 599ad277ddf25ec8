"""Several thousand past cases for the demo, made through the real service functions.

Plans (demo/plans.py) are laid out over the last `days` days and their steps run in time order,
each in its own transaction with the clock set to the step's time, so timelines, stage timestamps,
SLA clocks and listeners' rows are what they would have been. Steps that lie in the future are
not taken: the newest cases are still open at every stage.

Missed limits: when the SLA domain is installed its worker fires the timers as the simulated time
passes; without it, a planned breach escalates the case and marks it overdue at the deadline.
"""

from __future__ import annotations

import heapq
import importlib
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from minsheng import clock as clock_module
from minsheng.cases import service
from minsheng.cases.models import Case
from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.clock import SHANGHAI, FakeClock
from minsheng.db import Database
from minsheng.demo.plans import CityFacts, Plan, Step, duplicate_plan, plan_case
from minsheng.demo.texts import DraftWriter
from minsheng.directory.actors import Actor, system_actor
from minsheng.directory.config import CityConfig
from minsheng.directory.models import Unit, User
from minsheng.directory.security import actor_for
from minsheng.errors import DomainError
from minsheng.events.models import OutboxMessage
from minsheng.settings import get_settings

log = logging.getLogger(__name__)
# Requests by local hour of day (relative weights): quiet nights, busy mornings and afternoons.
HOUR_WEIGHTS = (2, 1, 1, 1, 1, 2, 5, 10, 16, 20, 20, 18, 13, 15, 18, 18, 16, 14, 12, 11, 10, 8, 5, 3)
RECENT_SHARE, RECENT_HOURS = 0.08, 12  # this share of the cases arrives in the last hours
CHANNEL_ACTORS = {"app": "基层治理四平台（网格员App）", "web": "政府网站留言", "open311": "Open311 接口",
                  "110": "110 联动平台"}


@dataclass
class HistoryReport:
    cases: int = 0
    steps: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


def city_facts(session: Session, cfg: CityConfig) -> CityFacts:
    teams: dict[str, list[str]] = {}
    for t in cfg.teams.teams:
        teams.setdefault(t.centre, []).append(t.code)
    units = list(session.scalars(select(Unit).where(Unit.active.is_(True))))
    limits = {name: {k: float(v) for k in ("sign", "dispatch", "feedback") if (v := getattr(track, k))}
              for name, track in cfg.sla.tracks.items()}
    return CityFacts(
        tracks={leaf.code: leaf.track for _, leaf in cfg.leaves()},
        departments=[u.code for u in units if u.kind in ("department", "utility")],
        teams_by_unit=teams, villages={u.code for u in units if u.kind == "village"},
        centre=next(u.code for u in units if u.kind == "centre"), limits=limits)


def creation_times(count: int, now: datetime, days: int, rng: random.Random) -> list[datetime]:
    """`count` instants over the last `days` days, weighted by the local hour, oldest first."""
    local_now = now.astimezone(SHANGHAI)
    start = (local_now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    slots = [(start + timedelta(hours=h)) for h in range(days * 24 + local_now.hour)]
    weights = [HOUR_WEIGHTS[s.hour] * (0.75 if s.weekday() >= 5 else 1.0) for s in slots]
    n_recent = round(count * RECENT_SHARE)  # a working queue: cases still in hand at every stage
    picked = rng.choices(slots, weights=weights, k=count - n_recent)
    times = [s + timedelta(seconds=rng.uniform(0, 3600)) for s in picked]
    times += [local_now - timedelta(seconds=rng.uniform(120, RECENT_HOURS * 3600)) for _ in range(n_recent)]
    times.sort()
    return [min(t, local_now - timedelta(minutes=2)).astimezone(now.tzinfo) for t in times]


class Cast:
    """Who acts in the history: the demo users where their unit fits, otherwise a named stand-in."""

    def __init__(self, session: Session) -> None:
        self.users = {u.username: actor_for(session, u) for u in session.scalars(select(User))}
        self.by_role_unit: dict[tuple[str, str], Actor] = {}
        for a in self.users.values():
            self.by_role_unit.setdefault((a.role, a.unit_code), a)
        self.units = {u.code: u for u in session.scalars(select(Unit))}
        self.centre = next(u for u in self.units.values() if u.kind == "centre")
        self.system = system_actor(self.centre.code)

    def role(self, role: str) -> Actor:
        found = self.by_role_unit.get((role, self.centre.code))
        if found is not None:
            return found
        return Actor(None, f"demo-{role}", {"call_taker": "话务员", "city_dispatcher": "市中心派单员",
                                            "supervisor": "督办员"}.get(role, role), role, self.centre.code,
                     self.centre.path, "city")

    def channel(self, channel: str) -> Actor:
        if channel in CHANNEL_ACTORS:
            return Actor(None, f"api:{channel}", CHANNEL_ACTORS[channel], "integration", self.centre.code,
                         self.centre.path, "city")
        return self.role("call_taker")

    def unit(self, code: str, team: str | None = None, action: str = "") -> Actor:
        if team and action in ("arrive", "feedback"):
            for a in self.users.values():
                if a.role == "team_member" and a.team_code == team:
                    return a
        unit = self.units[code]
        role = "town_dispatcher" if unit.kind == "town_centre" else "handler"
        found = self.by_role_unit.get((role, code))
        if found is not None:
            return found
        return Actor(None, f"demo-{code}", f"{unit.name}值班员", role, code, unit.path, unit.level)


def _sla_worker(db: Database) -> Any:
    """The SLA domain's timer worker, when that domain is installed."""
    try:
        module = importlib.import_module("minsheng.sla.worker")
    except ModuleNotFoundError:
        return None
    return module.Worker(db)


def build_plans(cfg: CityConfig, facts: CityFacts, count: int, now: datetime, days: int,
                rng: random.Random) -> list[Plan]:
    writer = DraftWriter(cfg, rng)
    plans: list[Plan] = []
    for index, created in enumerate(creation_times(count, now, days, rng)):
        recent = [p for p in plans[-6:] if p.duplicate_of is None and p.unit != facts.centre
                  and (created - p.steps[0].at) < timedelta(hours=2)]
        if recent and rng.random() < 0.02:
            plans.append(duplicate_plan(index, rng.choice(recent), created, rng))
        else:
            plans.append(plan_case(index, writer.draft(), created, facts, rng))
    return plans


def generate_history(db: Database, cfg: CityConfig, count: int, *, now: datetime, days: int = 60,
                     seed: int = 12345, progress: Any = None) -> HistoryReport:
    rng = random.Random(seed)
    started = time.perf_counter()
    with db.read_session() as s:
        facts, cast = city_facts(s, cfg), Cast(s)
    plans = build_plans(cfg, facts, count, now, days, rng)
    worker = _sla_worker(db)
    queue: list[tuple[datetime, int, int]] = [(p.steps[0].at, p.index, 0) for p in plans]
    heapq.heapify(queue)
    case_ids: dict[int, int] = {}
    report = HistoryReport()
    fake = FakeClock(plans[0].steps[0].at if plans else now)
    previous = clock_module.get_clock()
    clock_module.set_clock(fake)
    next_due: datetime | None = None
    batch = _Batch(db)
    # past cases are routed as they are written, at their own times, not by a background router today
    settings = get_settings()
    routing_async, settings.routing_async = settings.routing_async, False
    try:
        while queue:
            at, index, k = heapq.heappop(queue)
            if at > now:
                continue
            plan, step = plans[index], plans[index].steps[k]
            if worker is not None and (next_due is None or next_due <= at):
                batch.commit()  # the worker takes its own transactions
                fake.set(at)
                worker.run_until_idle(at)
                next_due = worker.next_due()
            fake.set(at)
            session = batch.session()
            try:
                with session.begin_nested():
                    _take(session, plan, step, case_ids, cast, worker is not None, at)
            except DomainError as exc:
                report.failed += 1
                if len(report.failures) < 20:
                    report.failures.append(f"{plan.index} {step.action}: {exc.message}")
                continue  # the rest of this case's plan no longer fits; leave it where it is
            batch.taken += 1
            report.steps += 1
            if step.action == "create":
                report.cases += 1
                if progress and report.cases % 500 == 0:
                    progress(report.cases)
            if k + 1 < len(plan.steps):
                heapq.heappush(queue, (plan.steps[k + 1].at, index, k + 1))
        batch.commit()
        if worker is not None:
            fake.set(now)
            worker.run_until_idle(now)
        with db.session() as s:  # what the past sent was delivered in the past
            s.execute(update(OutboxMessage).where(OutboxMessage.delivered_at.is_(None))
                      .values(delivered_at=OutboxMessage.available_at))
    finally:
        batch.close()
        clock_module.set_clock(previous)
        settings.routing_async = routing_async
    report.seconds = time.perf_counter() - started
    return report


class _Batch:
    """Steps taken a few hundred to a transaction (each in its own savepoint): the history is
    bulk work, and one transaction per step made several thousand cases take minutes."""

    SIZE = 50

    def __init__(self, db: Database) -> None:
        self.db, self.taken = db, 0
        self._session: Session | None = None

    def session(self) -> Session:
        if self._session is not None and self.taken >= self.SIZE:
            self.commit()
        if self._session is None:
            self._session = self.db.sessionmaker()
            self._session.begin()
            self.taken = 0
        return self._session

    def commit(self) -> None:
        if self._session is not None:
            self._session.commit()
            self._session.close()
            self._session = None

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def _take(session: Session, plan: Plan, step: Step, case_ids: dict[int, int], cast: Cast, has_sla: bool,
          at: datetime) -> None:
    d = plan.draft
    if step.action == "create":
        intake = CaseCreate(channel=d.channel, content=d.content, address=d.address, citizen_name=d.citizen_name,
                          citizen_phone=d.citizen_phone, town=d.town, village=d.village,
                          category=d.category if d.channel in ("12345", "walk_in", "110") else None)
        case_ids[plan.index] = service.do_create_case(session, intake, cast.channel(d.channel), now=at).id
        return
    case_id = case_ids[plan.index]
    if step.action == "breach":
        if not has_sla:
            _breach(session, case_id, step.body["stage"], cast.system, at)
        return
    body: dict[str, Any] = dict(step.body)
    if step.action == "merge":
        master = case_ids.get(body.pop("master"))
        if master is None:
            raise DomainError("主案件不存在")
        body["master_case_id"] = master
    if step.action == "assign":
        current = session.execute(select(Case.status, Case.unit_code).where(Case.id == case_id)).one()
        if tuple(current) == ("assigned", body.get("unit")):
            return  # the router already assigned it there (智能派单)
    actor = {"calltaker": lambda: cast.role("call_taker"), "citydisp": lambda: cast.role("city_dispatcher"),
             "supervisor": lambda: cast.role("supervisor"), "system": lambda: cast.system}.get(step.role)
    if actor is not None:
        who = actor()
    else:
        unit = session.scalar(select(Case.unit_code).where(Case.id == case_id))
        who = cast.unit(unit or plan.unit, plan.team, step.action)
    service.do_action(session, case_id, step.action, ActionBody(**body), who, now=at)


STAGE_NAMES = {"sign": "签收", "dispatch": "派驻力量", "feedback": "反馈"}


def _breach(session: Session, case_id: int, stage: str, system: Actor, at: datetime) -> None:
    """Without the SLA domain: a missed limit escalates the case one level and marks it overdue."""
    case = service.do_action(session, case_id, "escalate", ActionBody(
        reason=f"{STAGE_NAMES.get(stage, stage)}超时，系统自动提级"), system, now=at)
    case.overdue = True
