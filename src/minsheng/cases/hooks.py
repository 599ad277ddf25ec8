"""Listeners that run inside a case action's transaction (SLA timers, outbox, routing signals).

Domains register with `@on_transition`; `cases.service` calls `run()` after applying an action
and writing its timeline event, before commit. A listener that raises aborts the whole action.

Intake has two more steps, also in the creating transaction (routing uses them):
- `@on_intake` preparers see a new case before it is written (and before any listener hears of
  it), to fill what the caller left out: suggestions, category, track, town, village;
- `@after_intake` follow-ups run once the case and its "create" event are written, when the caller
  left the decision to the platform (e.g. automatic assignment through `service.do_action`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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


def follow_up(session: Session, case: Case, now: datetime) -> None:
    for step in list(_follow_ups):
        step(session, case, now)
