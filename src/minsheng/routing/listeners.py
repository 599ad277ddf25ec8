"""Plugs routing into the platform (imported once, from domains.LISTENERS): the intake steps, the
override listener, and the console's live suggester."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from minsheng.cases import hooks
from minsheng.routing import foresight, refiner  # noqa: F401  (register the look-ahead and the router's queue listener)
from minsheng.routing.feedback import record_override
from minsheng.routing.service import auto_assign, prepare_case, suggest
from minsheng.web import suggest as console

hooks.on_intake(prepare_case)
hooks.after_intake(auto_assign)
hooks.on_transition(record_override)


def live_suggestion(session: Session, text: str, address: str) -> dict[str, Any] | None:
    """While the call-taker types (nothing is written)."""
    return suggest(session, text, address)


if live_suggestion not in console.suggesters:
    console.suggesters.append(live_suggestion)
