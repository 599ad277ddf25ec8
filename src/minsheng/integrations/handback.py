"""Hand-back: what became of a request sent by 12345 or 110 goes back to the sender's callback URL.

A transition listener writes a "webhook" outbox row in the case action's own transaction; the
dispatcher (integrations.delivery) signs and sends it until the sender answers 2xx.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from minsheng.cases import hooks
from minsheng.cases.present import STATUS_LABELS
from minsheng.directory.models import Team, Unit
from minsheng.events.outbox import enqueue
from minsheng.integrations.models import IntakeLink

HANDBACK_CHANNELS = frozenset({"12345", "110"})
# case action → the event the sender receives
EVENTS = {
    "sign": "case.signed",
    "arrive": "case.on_site",
    "approve": "case.feedback_approved",
    "answer_directly": "case.closed",
    "close": "case.closed",
    "reopen": "case.reopened",
    "callback": "case.rated",
}


def webhook_body(session: Session, t: hooks.Transition, link: IntakeLink, event: str) -> dict[str, Any]:
    case = t.case
    unit = session.get(Unit, case.unit_code) if case.unit_code else None
    team = session.get(Team, case.team_code) if case.team_code else None
    body: dict[str, Any] = {
        "event": event,
        "event_id": str(t.event.id),
        "occurred_at": t.at.isoformat(),
        "system": link.system,
        "source_id": link.source_id,
        "case": {
            "id": case.id, "number": case.number, "status": case.status,
            "status_label": STATUS_LABELS.get(case.status, case.status),
            "unit": unit.name if unit else None, "team": team.name if team else None,
        },
    }
    if case.status == "closed":
        body["case"]["public_answer"] = case.public_answer
        body["case"]["closed_at"] = case.closed_at.isoformat() if case.closed_at else None
    if t.action == "callback":
        body["case"]["rating"] = case.rating
    return body


@hooks.on_transition
def hand_back(session: Session, t: hooks.Transition) -> None:
    event = EVENTS.get(t.action)
    if event is None or t.case.channel not in HANDBACK_CHANNELS:
        return
    link = session.get(IntakeLink, t.case.id)
    if link is None or not link.callback_url:
        return
    enqueue(session, "webhook",
            {"url": link.callback_url, "event": event, "client": link.api_key_id,
             "body": webhook_body(session, t, link, event)},
            now=t.at, case_id=t.case.id, dedupe_key=f"webhook:{t.event.id}")
