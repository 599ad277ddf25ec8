"""Listeners that run inside a case action's transaction (SLA timers, outbox, routing signals).

Domains register with `@on_transition`; `cases.service` calls `run()` after applying an action
and writing its timeline event, before commit. A listener that raises aborts the whole action.
Batch intake calls `run_many()`; a listener may register a `@batch_form` that writes its rows for
many transitions in one statement (otherwise it is called once per transition).

Intake has two more steps, also in the creating transaction (routing uses them):
- `@on_intake` preparers see a new case before it is written (and before any listener hears of
  it), to fill what the caller left out: suggestions, category, track, town, village;
- `@after_intake` follow-ups run once the case and its "create" event are written, when the caller
  left the decision to the platform (e.g. automatic assignment through `service.do_action`).
And one outside it: `@ahead_of_intake` steps see the texts of requests waiting for the next
intake batch while the current one is written (the routing model's suggestions, made meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from minsheng.cases.models import Case, CaseEvent
from minsheng.directory.actors import Actor


@dataclass
class Transition:
    case: Case
    action: str  # a workflow Action value, or "create"
    from_status: str | None
    to_status: str
    actor: Actor
    at: datetime
    event: CaseEvent
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Session, Transition], None]
_listeners: list[Listener] = []


def on_transition(listener: Listener) -> Listener:
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def run(session: Session, transition: Transition) -> None:
    for listener in list(_listeners):
        listener(session, transition)


BatchForm = TypeVar("BatchForm", bound=Callable[..., None])
_batch_forms: dict[Callable[..., None], Callable[..., None]] = {}


def batch_form(single: Callable[..., None]) -> Callable[[BatchForm], BatchForm]:
    """Register the form of a listener or preparer that takes a list at once (`run_many`,
    `prepare_many`): its transitions or cases, in one model run or one statement."""
    def register(many: BatchForm) -> BatchForm:
        _batch_forms[single] = many
        return many
    return register


def _each_batched(steps: list[Callable[..., None]], session: Session, items: list[Any], *args: Any) -> None:
    """Run every step over `items`: its batch form once where it has one, else once per item."""
    if not items:
        return
    for step in list(steps):
        many = _batch_forms.get(step)
        if many is not None:
            many(session, items, *args)
        else:
            for item in items:
                step(session, item, *args)


def run_many(session: Session, transitions: list[Transition]) -> None:
    """`run` for many transitions (a batch of intakes): each listener's batch form where it has one."""
    _each_batched(_listeners, session, transitions)


def registered() -> list[Listener]:
    return list(_listeners)


Preparer = Callable[[Session, Case], None]
FollowUp = Callable[[Session, Case, datetime], None]
_preparers: list[Preparer] = []
_follow_ups: list[FollowUp] = []


def on_intake(preparer: Preparer) -> Preparer:
    if preparer not in _preparers:
        _preparers.append(preparer)
    return preparer


def after_intake(follow_up: FollowUp) -> FollowUp:
    if follow_up not in _follow_ups:
        _follow_ups.append(follow_up)
    return follow_up


def prepare(session: Session, case: Case) -> None:
    for preparer in list(_preparers):
        preparer(session, case)


def prepare_many(session: Session, cases: list[Case]) -> None:
    """`prepare` for a batch of new cases: each preparer's batch form where it has one."""
    _each_batched(_preparers, session, cases)


def follow_up(session: Session, case: Case, now: datetime) -> None:
    for step in list(_follow_ups):
        step(session, case, now)


def follow_up_many(session: Session, cases: list[Case], now: datetime) -> None:
    """`follow_up` for a batch of new cases: each step's batch form where it has one."""
    _each_batched(_follow_ups, session, cases, now)


# Look-ahead: work on requests waiting for the next intake batch, done outside any transaction
# while the current batch is being written (e.g. the routing model's suggestions for their texts).
# A look-ahead leaves its results where its preparer finds them; a missed one costs nothing but
# the preparer doing the work itself.
LookAhead = Callable[[Engine, list[tuple[str, str]]], None]
_look_aheads: list[LookAhead] = []


def ahead_of_intake(step: LookAhead) -> LookAhead:
    if step not in _look_aheads:
        _look_aheads.append(step)
    return step


def look_ahead(engine: Engine, requests: list[tuple[str, str]]) -> None:
    """Run the look-ahead steps over the (content, address) of requests about to be taken in."""
    for step in list(_look_aheads):
        step(engine, requests)
