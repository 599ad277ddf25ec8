"""Background work not yet done: is the platform keeping up?

Four queues are worked off behind the requests: cases waiting for the background router (its
refined suggestion and automatic assignment), outbox messages not yet delivered (SMS, webhooks,
notifications), SLA timers past due that no worker has fired, and proposal clocks past a warning or
a deadline not yet marked. Each reports how many wait and how long the oldest has waited past its
time, and a state: `ok`, `lagging` (later than the queue usually runs) or `stalled` (its worker is
probably down). Counts and ages only, no personal data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from minsheng.clock import as_utc
from minsheng.directory.actors import Actor
from minsheng.errors import Forbidden
from minsheng.events.models import OutboxMessage
from minsheng.proposals.models import ProposalClock
from minsheng.routing.tables import RoutingQueue
from minsheng.sla.models import SlaTimer


@dataclass(frozen=True)
class Limits:
    """Seconds the oldest item may wait past its time before the queue is lagging, and stalled."""

    lagging: float
    stalled: float


# The background router refines within a second at ordinary load; the outbox retries with backoff;
# the SLA worker sleeps until the next timer is due; the proposal clockwork looks once a minute.
LIMITS: dict[str, Limits] = {
    "routing": Limits(30, 600),
    "outbox": Limits(60, 900),
    "sla_timers": Limits(30, 300),
    "proposal_clocks": Limits(180, 900),
}
LABELS = {"routing": "待后台分拨", "outbox": "待发送消息", "sla_timers": "到期未触发的时限提醒",
          "proposal_clocks": "到期未标记的建议提案时限"}
STATE_LABELS = {"ok": "正常", "lagging": "积压", "stalled": "停滞"}
# Platform-wide figures: for those who run the city centre, not for a unit's or a town's users.
OPS_ROLES = frozenset({"city_dispatcher", "supervisor", "leader", "admin"})


def may_see_backlog(actor: Actor) -> bool:
    return actor.role in OPS_ROLES and actor.sees_everything


def require_may_see_backlog(actor: Actor) -> None:
    if not may_see_backlog(actor):
        raise Forbidden("只有市中心的调度、督办、领导和管理员可以查看后台任务积压")


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    pending: int  # waiting now (the outbox: undelivered, due or not)
    oldest_seconds: float | None  # how long the oldest due item has waited past its time
    retrying: int  # failed at least once and waiting for another try
    state: str  # ok | lagging | stalled

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def state_of(key: str, oldest_seconds: float | None) -> str:
    limits = LIMITS[key]
    if oldest_seconds is None or oldest_seconds <= limits.lagging:
        return "ok"
    return "lagging" if oldest_seconds <= limits.stalled else "stalled"


def _queue(key: str, pending: int, oldest: datetime | None, now: datetime, retrying: int = 0) -> Queue:
    waited = max(0.0, (now - as_utc(oldest)).total_seconds()) if oldest is not None else None
    return Queue(key, LABELS[key], pending, None if waited is None else round(waited, 1), retrying,
                 state_of(key, waited))


def backlog(session: Session, now: datetime) -> list[Queue]:
    """The four queues, read in one transaction (five aggregate queries)."""
    routing = session.execute(select(func.count(), func.min(RoutingQueue.queued_at),
                                     func.count().filter(RoutingQueue.attempts > 0))).one()
    undelivered = OutboxMessage.delivered_at.is_(None)
    outbox_all = session.execute(select(func.count(), func.count().filter(OutboxMessage.attempts > 0))
                                 .where(undelivered)).one()
    outbox_due = session.scalar(select(func.min(OutboxMessage.available_at))
                                .where(undelivered, OutboxMessage.available_at <= now))
    timers = session.execute(select(func.count(), func.min(SlaTimer.due_at))
                             .where(SlaTimer.fired_at.is_(None), SlaTimer.due_at <= now)).one()
    warn_late = ProposalClock.warned_at.is_(None) & (ProposalClock.warn_at <= now)
    breach_late = ProposalClock.breached_at.is_(None) & (ProposalClock.due_at <= now)
    # how late a clock is: since its warning, if that has not been marked, else since its deadline
    late_since = case((warn_late, ProposalClock.warn_at), else_=ProposalClock.due_at)
    clocks = session.execute(select(func.count(), func.min(late_since))
                             .where(ProposalClock.stopped_at.is_(None), ProposalClock.cancelled.is_(False),
                                    or_(warn_late, breach_late))).one()
    return [
        _queue("routing", routing[0], routing[1], now, routing[2]),
        _queue("outbox", outbox_all[0], outbox_due, now, outbox_all[1]),
        _queue("sla_timers", timers[0], timers[1], now),
        _queue("proposal_clocks", clocks[0], clocks[1], now),
    ]


def worst_state(queues: list[Queue]) -> str:
    order = ("ok", "lagging", "stalled")
    return max((q.state for q in queues), key=order.index, default="ok")


def as_json(queues: list[Queue], now: datetime) -> dict[str, Any]:
    return {"at": now, "state": worst_state(queues),
            "queues": [{**asdict(q), "state_label": q.state_label} for q in queues]}
