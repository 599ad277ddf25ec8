"""What people finally chose, as training signal: overrides of the suggested route, and closed cases.

`record_override` (a transition listener) writes a RoutingOverride when a dispatcher assigns a
unit or category other than the suggested one, answers directly under another category, or a
case closes under a category other than suggested. `examples_from_db` turns closed cases (the
category people finally chose) and the overrides of cases still open into training examples.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.cases.hooks import Transition
from minsheng.cases.models import Case
from minsheng.routing.datasets import Example
from minsheng.routing.service import ROUTER_USERNAME
from minsheng.routing.tables import RoutingOverride

CHOOSING = ("assign", "answer_directly")


def record_override(session: Session, t: Transition) -> None:
    closing = t.to_status == "closed" and t.from_status != "closed"
    if t.action not in CHOOSING and not closing:
        return
    s = t.case.suggestions or {}
    if t.actor.username == ROUTER_USERNAME or t.case.merged or not s.get("category"):
        return
    chosen_category = t.case.category_code
    chosen_unit = t.case.unit_code if t.action == "assign" else None
    category_differs = bool(chosen_category) and chosen_category != s["category"]
    unit_differs = t.action == "assign" and chosen_unit != s.get("unit")
    if t.action not in CHOOSING:  # closing: only a category nobody has recorded yet
        unit_differs = False
        last = session.scalars(select(RoutingOverride.chosen_category).where(
            RoutingOverride.case_id == t.case.id).order_by(RoutingOverride.id.desc()).limit(1)).first()
        category_differs = category_differs and last != chosen_category
    if not (category_differs or unit_differs):
        return
    session.add(RoutingOverride(
        case_id=t.case.id, at=t.at, action=t.action, actor_id=t.actor.user_id, actor_name=t.actor.label[:64],
        suggested_category=s.get("category"), chosen_category=chosen_category,
        suggested_unit=s.get("unit"), chosen_unit=chosen_unit, confidence=s.get("confidence"),
        model_version=(s.get("model_version") or "")[:64] or None))


def examples_from_db(session: Session) -> list[Example]:
    """Closed cases under the category they closed with (merged duplicates left out, they repeat
    their master), then open cases that a dispatcher re-categorised, under that category."""
    out: list[Example] = []
    seen: set[int] = set()
    closed = select(Case.id, Case.content, Case.address, Case.category_code, Case.town_code, Case.channel).where(
        Case.status == "closed", Case.merged.is_(False), Case.category_code.is_not(None)).order_by(Case.id)
    for r in session.execute(closed):
        seen.add(r.id)
        out.append(Example(text=r.content, label=r.category_code, address=r.address or "", channel=r.channel,
                           town=r.town_code, id=f"case:{r.id}"))
    overridden = select(RoutingOverride.case_id, RoutingOverride.chosen_category, Case.content, Case.address,
                        Case.town_code, Case.channel).join(Case, Case.id == RoutingOverride.case_id).where(
        RoutingOverride.chosen_category.is_not(None), Case.merged.is_(False)).order_by(RoutingOverride.id.desc())
    for o in session.execute(overridden):
        if o.case_id in seen:
            continue  # closed (its final category is already in), or a later override already taken
        seen.add(o.case_id)
        out.append(Example(text=o.content, label=o.chosen_category, address=o.address or "", channel=o.channel,
                           town=o.town_code, id=f"case:{o.case_id}"))
    return out
