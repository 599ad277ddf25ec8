"""Listeners that run inside a case action's transaction (SLA timers, outbox, routing signals).

Domains register with `@on_transition`; `cases.service` calls `run()` after applying an action
and writing its timeline event, before commit. A listener that raises aborts the whole action.
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
