"""Which case transitions notify whom. Runs in the action's transaction and writes "notify" outbox rows.

Citizens: when their request is accepted, and when it is answered (with the link to rate it).
Staff: the handling unit on assignment and on reopening. SLA warnings and breaches are written by
the SLA worker in the same shape; the review request of an unsatisfied citizen by reviews.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from minsheng.cases import hooks
from minsheng.cases.models import Case
from minsheng.directory.service import unit_names
from minsheng.events.outbox import enqueue, enqueue_many
from minsheng.settings import get_settings

STAFF_ROLES = ["town_dispatcher", "handler", "city_dispatcher"]


def citizen_link(number: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/c?n={number}"


def case_params(session: Session, case: Case) -> dict[str, Any]:
    return {"number": case.number, "content": case.content, "address": case.address,
            "unit_name": unit_names(session).get(case.unit_code or "", "")}


Notice = tuple[str, dict[str, Any], dict[str, Any]]  # template key, recipients, template fields


def notices(session: Session, t: hooks.Transition) -> list[Notice]:
    """The messages a transition sends."""
    case = t.case
    out: list[Notice] = []
    if t.action == "create" and case.citizen_phone:
        out.append(("case_accepted", {"kind": "citizen"}, {"number": case.number, "link": citizen_link(case.number)}))
    elif t.action in ("assign", "reopen") and case.unit_code:
        out.append(("case_assigned" if t.action == "assign" else "case_reopened",
                    {"kind": "unit", "unit": case.unit_code, "roles": STAFF_ROLES}, case_params(session, case)))
    if (t.to_status == "closed" and t.from_status != "closed" and case.public_answer
            and case.citizen_phone):
        out.append(("case_answered", {"kind": "citizen"},
                    {"number": case.number, "answer": case.public_answer, "link": citizen_link(case.number)}))
    return out


def notify(session: Session, t: hooks.Transition, event: str, to: dict[str, Any], params: dict[str, Any]) -> None:
    enqueue(session, "notify", {"event": event, "to": to, "params": params}, now=t.at, case_id=t.case.id,
            dedupe_key=f"notify:{t.event.id}:{event}")


@hooks.on_transition
def notify_people(session: Session, t: hooks.Transition) -> None:
    for event, to, params in notices(session, t):
        notify(session, t, event, to, params)


@hooks.batch_form(notify_people)
def notify_people_many(session: Session, transitions: list[hooks.Transition]) -> None:
    """A batch's messages (intakes, automatic assignments) in one statement per instant."""
    for at in sorted({t.at for t in transitions}):
        messages = [({"event": event, "to": to, "params": params}, t.case.id, f"notify:{t.event.id}:{event}")
                    for t in transitions if t.at == at for event, to, params in notices(session, t)]
        if messages:
            enqueue_many(session, "notify", messages, now=at)
