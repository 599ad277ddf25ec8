"""Turn case rows into API shapes: names resolved, personal data masked, extensions added.

Other domains add to the output through two registries: `clock_providers` (running clocks per
case, from the SLA domain) and `detail_extensions` (extra keys on one case, e.g. its group).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases import queries
from minsheng.cases.masking import mask_name, mask_phone
from minsheng.cases.models import Case
from minsheng.cases.schemas import CaseDetail, CaseSummary, EventOut
from minsheng.cases.service import allowed_for
from minsheng.directory.actors import Actor
from minsheng.directory.models import Category, Unit

STATUS_LABELS = {
    "received": "待派单", "assigned": "待签收", "signed": "已签收", "dispatched": "已派遣",
    "on_site": "现场处置", "replied": "待审核", "closed": "已办结",
}
ClockProvider = Callable[[Session, list[Case]], dict[int, list[dict[str, Any]]]]
DetailExtension = Callable[[Session, Case, Actor], dict[str, Any]]
clock_providers: list[ClockProvider] = []
detail_extensions: list[DetailExtension] = []


class Names:
    """Unit and category names, read once per request."""

    def __init__(self, session: Session) -> None:
        self.units = dict(session.execute(select(Unit.code, Unit.name)).all())
        self.categories = dict(session.execute(select(Category.code, Category.name)).all())


def _clocks(session: Session, cases: list[Case]) -> dict[int, list[dict[str, Any]]]:
    merged: dict[int, list[dict[str, Any]]] = {}
    for provider in clock_providers:
        for case_id, clocks in provider(session, cases).items():
            merged.setdefault(case_id, []).extend(clocks)
    return merged


def _summary_fields(case: Case, names: Names, clocks: list[dict[str, Any]]) -> dict[str, Any]:
    return dict(
        id=case.id, number=case.number, channel=case.channel, status=case.status,
        status_label=STATUS_LABELS.get(case.status, case.status), content=case.content,
        address=case.address, category=case.category_code,
        category_name=names.categories.get(case.category_code or ""), town=case.town_code,
        village=case.village_code, unit=case.unit_code, unit_name=names.units.get(case.unit_code or ""),
        track=case.track, priority=case.priority, level=case.level, suspended=case.suspended,
        escalated=case.escalated, overdue=case.overdue, merged=case.merged,
        master_case_id=case.master_case_id, citizen_name=mask_name(case.citizen_name),
        citizen_phone=mask_phone(case.citizen_phone), created_at=case.created_at,
        updated_at=case.updated_at, dispatched_at=case.dispatched_at, clocks=clocks,
    )


def summaries(session: Session, cases: list[Case]) -> list[CaseSummary]:
    names, clocks = Names(session), _clocks(session, cases)
    return [CaseSummary(**_summary_fields(c, names, clocks.get(c.id, []))) for c in cases]


def visible_suggestions(session: Session, case: Case, actor: Actor) -> dict[str, Any] | None:
    """The case's routing suggestions, with proposed duplicates narrowed to cases the viewer may
    see (they name other cases, and quote their content)."""
    suggestions = case.suggestions
    duplicates = (suggestions or {}).get("duplicates") or []
    if not suggestions or not duplicates:
        return suggestions
    visible = queries.visible_ids(session, actor, [int(d["id"]) for d in duplicates if "id" in d])
    return {**suggestions, "duplicates": [d for d in duplicates if d.get("id") in visible]}


def detail(session: Session, case: Case, actor: Actor) -> CaseDetail:
    names = Names(session)
    fields = _summary_fields(case, names, _clocks(session, [case]).get(case.id, []))
    extra: dict[str, Any] = {}
    for extension in detail_extensions:
        extra.update(extension(session, case, actor))
    return CaseDetail(
        **fields, source_system=case.source_system, source_id=case.source_id, lng=case.lng, lat=case.lat,
        team=case.team_code, group_id=case.group_id, command_unit=case.command_unit_code,
        feedback_text=case.feedback_text, public_answer=case.public_answer, rating=case.rating,
        rating_comment=case.rating_comment, reopen_count=case.reopen_count,
        assigned_at=case.assigned_at, signed_at=case.signed_at,
        arrived_at=case.arrived_at, replied_at=case.replied_at, closed_at=case.closed_at,
        rated_at=case.rated_at, suggestions=visible_suggestions(session, case, actor),
        allowed_actions=allowed_for(session, case, actor),
        timeline=[EventOut.model_validate(e) for e in queries.timeline(session, case.id)],
        attachments=[
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
             "uploaded_at": a.uploaded_at}
            for a in queries.attachments(session, case.id)
        ],
        extra=extra,
    )
