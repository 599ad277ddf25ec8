"""What the public sees of the published proposals: the index and one page, as plain dicts.

Only the published text (redacted and reviewed at publication), the proposer's and co-signers'
names with their public role, the units, the classification and the dates are shown.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from minsheng.proposals import queries
from minsheng.proposals.models import Proposal
from minsheng.proposals.present import unit_names
from minsheng.proposals.publication import COLUMN, co_signer_names, public_role
from minsheng.proposals.schemas import CLASS_LABELS, KIND_LABELS

STATUS_CHOICES = {"delivered": "已答复", "closed": "已办结", "reopened": "二次办理中"}


def _entry(p: Proposal, names: dict[str, str]) -> dict[str, Any]:
    return {"id": p.id, "kind": p.kind, "kind_label": KIND_LABELS[p.kind], "number": p.number,
            "session_name": p.session_name, "category": p.category, "title": p.title, "lead_name": p.lead_name,
            "role": public_role(p), "host_unit": p.host_unit_code, "host_unit_name": names.get(p.host_unit_code or ""),
            "status_label": queries.public_status(p), "published_at": p.published_at}


def index(session: Session, *, session_name: str | None, unit: str | None, status: str | None,
          kind: str | None) -> dict[str, Any]:
    names = unit_names(session)
    everything = queries.published(session)
    rows = queries.published(session, session_name=session_name, unit=unit, status=status, kind=kind)
    groups: dict[str, list[dict[str, Any]]] = {}
    for p in rows:
        groups.setdefault(p.session_name, []).append(_entry(p, names))
    hosts = sorted({p.host_unit_code for p in everything if p.host_unit_code})
    return {
        "groups": groups, "count": len(rows),
        "sessions": sorted({p.session_name for p in everything}, reverse=True),
        "units": [(code, names.get(code, code)) for code in hosts], "statuses": STATUS_CHOICES,
        "kinds": KIND_LABELS,
        "selected": {"session_name": session_name or "", "unit": unit or "", "status": status or "",
                     "kind": kind or ""},
    }


def page(session: Session, proposal_id: int) -> dict[str, Any]:
    p = queries.get_published(session, proposal_id)
    names = unit_names(session)
    units = queries.units_of(session, [p.id])[p.id]
    reply = queries.latest_delivered_reply(session, p.id)
    return {
        "p": _entry(p, names), "column": COLUMN[p.kind], "co_signers": co_signer_names(p),
        "assist_units": [names.get(u.unit_code, u.unit_code) for u in units if u.role == "assist"],
        "background": p.public_background, "process": p.public_process, "result": p.public_result,
        "words": p.public_words, "classification": CLASS_LABELS[reply.classification] if reply else "",
        "replied_at": reply.delivered_at if reply else None, "round": p.round,
    }
