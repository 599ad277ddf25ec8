"""Suggestions shown while a call-taker types: category top-3, town/village, handling unit, duplicates.

The routing domain registers its suggester here (`suggesters.append(fn)` from a module listed in
`domains.LISTENERS`); fn(session, text, address) returns a dict shaped like `Case.suggestions`
(category, top [{category, confidence, unit}], town, village, unit, duplicates [{id, number,
content, score}]) or None. With no suggester registered the form says so and offers plain pickers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from minsheng.directory import reads

# why the suggested unit (routing.assign.Assignment.reason)
UNIT_REASONS = {"category": "按类别的承办部门", "town_centre": "属地街道（镇）分中心", "override": "派单规则",
                "no_town": "地点未识别，由市中心人工派单", "unknown_category": "类别未知，由市中心人工派单"}
Suggester = Callable[[Session, str, str], dict[str, Any] | None]
suggesters: list[Suggester] = []


def suggest(session: Session, text: str, address: str) -> dict[str, Any] | None:
    if len(text.strip()) < 4:
        return None
    for suggester in suggesters:
        result = suggester(session, text, address)
        if result:
            return named(session, result)
    return None


def named(session: Session, s: dict[str, Any]) -> dict[str, Any]:
    """Add display names for the codes in a suggestion."""
    units = {u["code"]: u["name"] for u in reads.units(session)}
    cats = {c["code"]: c["name"] for c in reads.categories(session)}
    places = reads.place_names(session)
    out = dict(s)
    out["top"] = [dict(t, name=cats.get(t.get("category", ""), t.get("category")),
                       unit_name=units.get(t.get("unit") or "", t.get("unit")))
                  for t in s.get("top") or []]
    out["unit_name"] = units.get(s.get("unit") or "", s.get("unit"))
    out["unit_reason_label"] = UNIT_REASONS.get(s.get("unit_reason") or "", s.get("unit_reason"))
    out["category_name"] = cats.get(s.get("category") or "", s.get("category"))
    out["town_name"] = places.get(s.get("town") or "", s.get("town"))
    out["village_name"] = places.get(s.get("village") or "", s.get("village"))
    return out
