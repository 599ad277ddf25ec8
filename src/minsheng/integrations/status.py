"""What a sending system may read back about its own requests (polling next to the webhooks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.cases.present import STATUS_LABELS
from minsheng.directory.actors import Actor
from minsheng.directory.models import Unit
from minsheng.errors import NotFound
from minsheng.integrations.clients import require_system_key
from minsheng.integrations.history import deliveries


def sender_view(session: Session, actor: Actor, system: str, source_id: str) -> dict[str, Any]:
    require_system_key(session, actor, system)
    case = session.scalars(select(Case).where(Case.source_system == system, Case.source_id == source_id)).first()
    if case is None:
        raise NotFound(f"没有来源编号为 {source_id} 的诉求")
    unit = session.get(Unit, case.unit_code) if case.unit_code else None
    return {
        "case_id": case.id, "number": case.number, "system": system, "source_id": source_id,
        "status": case.status, "status_label": STATUS_LABELS.get(case.status, case.status),
        "unit": unit.name if unit else None, "public_answer": case.public_answer if case.status == "closed" else None,
        "rating": case.rating, "updated_at": case.updated_at, "closed_at": case.closed_at,
        "webhooks": [{**{k: d[k] for k in ("id", "event", "created_at", "attempts", "delivered_at")},
                      "last_error": _status_only(d["last_error"])}
                     for d in deliveries(session, case.id, "webhook")],
    }


def _status_only(error: str | None) -> str | None:
    """What the sender may see of a failed delivery: the status ("HTTP 503") or the kind of failure,
    not the body its callback address answered with (the address is the sender's choice, and the
    body of an address inside the platform's network is not the sender's to read)."""
    if not error:
        return error
    return error.split(":", 1)[0][:40]
