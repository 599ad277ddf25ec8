"""The background router (MINSHENG_ROUTING_ASYNC): new cases are routed after their intake commits.

The intake writes a `routing_queue` row in its own transaction (the "create" listener below), so a
case the platform accepted is routed even if a process dies. A router claims up to a batch of rows
(FOR UPDATE SKIP LOCKED: several processes share the queue), runs the model once over their texts,
stores the suggestions, fills category, town and village where they are missing, assigns the
confident ones automatically (their sign-for clock starts then) and deletes the rows, all in one
transaction: killed mid-way, it leaves the rows for the next try. Each app process runs one
(`start_in_process`); it wakes when its own intakes commit and polls for the others'. With
MINSHENG_ROUTING_IN_PROCESS=false the app processes run none and one router process of its own
(`minsheng router run`, started by `minsheng serve --workers N`) polls for all of them.

The intake request then runs only the model's fast form (its text head: the case carries a first
suggestion at once, see routing/service.py), not the embedding, which alone is several
milliseconds of CPU; the router runs the whole model over many texts at once and replaces the first
suggestion (and what it filled, where nobody has changed it).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from minsheng.cases import hooks
from minsheng.cases.models import Case
from minsheng.cases.service import scope_fields
from minsheng.clock import utcnow
from minsheng.db import Database, committed_for_real, for_update, in_ids, insert_rows
from minsheng.events.publish import announce
from minsheng.routing.router import Router, Suggestion
from minsheng.routing.runtime import current_router
from minsheng.routing.service import auto_assign_many, route_cases
from minsheng.routing.tables import RoutingQueue
from minsheng.settings import get_settings

log = logging.getLogger(__name__)
BATCH = 200
MAX_ATTEMPTS = 5  # a case the router fails on this often stays queued for a look, not retried
_QUEUED = "minsheng_routing_queued"
_TABLE: Any = RoutingQueue.__table__
wakeup = threading.Event()


def _queues(t: hooks.Transition) -> bool:
    return t.action == "create" and get_settings().routes_in_background and unrefined(t.case)


def unrefined(case: Case) -> bool:
    """No suggestion yet, or only the fast form's."""
    return case.suggestions is None or case.suggestions.get("stage") == "fast"


@hooks.on_transition
def queue_for_routing(session: Session, t: hooks.Transition) -> None:
    if _queues(t):
        session.add(RoutingQueue(case_id=t.case.id, queued_at=t.at, attempts=0))
        session.info[_QUEUED] = True


@hooks.batch_form(queue_for_routing)
def queue_many_for_routing(session: Session, transitions: list[hooks.Transition]) -> None:
    rows = [{"case_id": t.case.id, "queued_at": t.at, "attempts": 0} for t in transitions if _queues(t)]
    insert_rows(session, _TABLE, rows)
    if rows:
        session.info[_QUEUED] = True


@sa_event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if committed_for_real(session) and session.info.pop(_QUEUED, False):
        wakeup.set()


@sa_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_QUEUED, None)


def route_queued(db: Database, *, limit: int = BATCH, now: datetime | None = None) -> int:
    """Route up to `limit` queued cases in one transaction; how many rows it took off the queue.
    The model runs first, in a read (no row locks, no SQLite write lock): a person acting on one of
    these cases meanwhile waits for the router's writes only, never for its model."""
    waiting = RoutingQueue.attempts < MAX_ATTEMPTS
    with db.read_session() as session:  # idle polls stay reads (no SQLite write lock, no row locks)
        peeked = session.execute(
            select(RoutingQueue.case_id, Case.content, Case.address).join(Case, Case.id == RoutingQueue.case_id)
            .where(waiting).order_by(RoutingQueue.case_id).limit(limit)).all()
        if not peeked:
            return 0
        read = Suggested({case_id: (content, address) for case_id, content, address in peeked},
                         current_router(session))
    with db.session() as session:
        ids = list(session.scalars(for_update(
            select(RoutingQueue.case_id).where(waiting)
            .order_by(RoutingQueue.case_id).limit(limit), session, skip_locked=True)))
        if not ids:
            return 0
        try:
            with session.begin_nested():
                _route(session, ids, now or utcnow(), read)
        except Exception:  # one case's failure must not hold the others: each alone, counting tries
            log.warning("routing a batch of %d failed; routing them one by one", len(ids), exc_info=True)
            for case_id in ids:
                try:
                    with session.begin_nested():
                        _route(session, [case_id], now or utcnow(), read)
                except Exception:
                    log.exception("routing case %s failed", case_id)
                    session.execute(update(RoutingQueue).where(RoutingQueue.case_id == case_id)
                                    .values(attempts=RoutingQueue.attempts + 1))
        return len(ids)


class Suggested:
    """The whole model's suggestions for the texts read before the batch was locked."""

    def __init__(self, texts: dict[int, tuple[str, str]], router: Router | None) -> None:
        self.texts = texts
        self.suggestions: dict[int, Suggestion] = {}
        if router is not None and texts:
            self.suggestions = dict(zip(texts, router.suggest_many(list(texts.values())), strict=True))

    def of(self, case: Case) -> Suggestion | None:
        """The suggestion for the case as it is now (None: another batch's case, or its text changed)."""
        if self.texts.get(case.id) != (case.content, case.address):
            return None
        return self.suggestions.get(case.id)


def _route(session: Session, ids: list[int], now: datetime, read: Suggested | None = None) -> None:
    cases = list(session.scalars(for_update(select(Case).where(in_ids(Case.id, ids, session)).order_by(Case.id),
                                            session)))
    todo = [case for case in cases if unrefined(case)]
    suggested = [read.of(case) for case in todo] if read is not None else None
    if todo and not route_cases(session, todo, routed_at=now, suggested=suggested):
        return  # no model (yet): the rows wait
    auto_assign_many(session, todo, now)  # a new case's clocks start when it is assigned: none to move
    for case in todo:
        if case.status == "received":  # consoles show the suggestions that arrived
            announce(session, "case", case.id, action="route", status=case.status, number=case.number,
                     track=case.track, priority=case.priority, **scope_fields(case), was={})
    session.execute(delete(RoutingQueue).where(in_ids(RoutingQueue.case_id, ids, session)))


def run(db: Database, stop: threading.Event, *, poll_seconds: float = 0.25) -> None:
    """Route until `stop` is set: at once after this process's intakes, else every poll_seconds."""
    while not stop.is_set():
        try:
            if route_queued(db) >= BATCH:
                continue  # more may be waiting
        except Exception:  # the database is away: keep the thread, try again shortly
            log.exception("background routing failed; retrying")
            stop.wait(1.0)
        wakeup.wait(poll_seconds)
        wakeup.clear()


def start_in_process(app_state: Any) -> Callable[[], None] | None:
    """A BACKGROUND entry: one router thread per app process when MINSHENG_ROUTING_ASYNC is on
    (and the router does not run in a process of its own)."""
    settings = get_settings()
    if not (settings.routes_in_background and settings.routing_in_process):
        return None
    from minsheng.db import get_db

    stop = threading.Event()
    thread = threading.Thread(target=run, args=(get_db(), stop), name="routing-refiner", daemon=True)
    thread.start()

    def _stop() -> None:
        stop.set()
        wakeup.set()
        thread.join(timeout=10)

    return _stop


def serve_forever(*, poll_seconds: float = 0.1) -> int:
    """A router process of its own (`minsheng router run`): route what every app process queues,
    polling every `poll_seconds`, until SIGTERM or SIGINT; the exit status."""
    from minsheng import domains
    from minsheng.db import get_db
    from minsheng.routing.runtime import load_model

    settings = get_settings()
    if settings.router_nice > 0:
        os.nice(settings.router_nice)
    if settings.router_sched_idle and hasattr(os, "SCHED_IDLE"):
        # Linux's idle class: the router runs on CPU the web workers leave, and a worker waking for
        # a request preempts it at once (A/B, 8,000 requests, two rounds: intake 657/626 per s
        # against 529/436 at nice 10 alone, while the router still refined 127-131 cases/s)
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    domains.load_listeners()  # assigning starts clocks, routing announces: the same listeners as the app's
    model = load_model()
    if model is not None:
        model.classifier.predict(["预热"])  # the encoder too: this process runs the whole model
    else:
        log.error("routing: no model; queued cases wait until a router with one runs")
    stop = threading.Event()

    def _stop(_signum: int, _frame: object) -> None:
        stop.set()
        wakeup.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    db = get_db()
    if db.is_postgres:  # wake as soon as any process announces a new case, not only at the next poll
        threading.Thread(target=_listen_for_intakes, args=(db.url, stop), name="routing-listen", daemon=True).start()
    log.info("background router started (polling every %.2f s)", poll_seconds)
    run(db, stop, poll_seconds=poll_seconds)
    return 0


def _listen_for_intakes(url: str, stop: threading.Event) -> None:
    from minsheng.events.live import listen_forever
    from minsheng.events.publish import Broker

    class _Waker(Broker):
        def has_subscribers(self) -> bool:
            return True

        def publish(self, message: dict[str, Any]) -> None:
            if message.get("action") == "create":
                wakeup.set()

    listen_forever(url, _Waker(), stop)
