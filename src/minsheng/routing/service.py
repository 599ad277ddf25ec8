"""Routing on the intake path: suggest a route for a new case, fill what the caller left out, and
assign it automatically when the model is confident enough.

- `suggest(...)`: category top-3 with confidence and unit, town/village, unit, duplicates — the
  dict stored in `Case.suggestions` and shown live on the intake form;
- `prepare_case`: runs before a new case is written (`hooks.on_intake`): stores the suggestions and
  fills category (and its track), town and village when the caller did not give them. With the
  background router (`Settings.routing_async`) this first suggestion is the model's fast form
  (its text head, no duplicate search, no automatic assignment), which the router refines after
  commit: it undoes what the fast form filled and routes the case with the whole model;
- `auto_assign`: runs after the case is written (`hooks.after_intake`): with confidence at or above
  `Settings.auto_assign_threshold` and a unit that is not the city centre's manual desk, assigns
  through `do_action(..., "assign", ...)` as the 智能派单 actor, so the sign-for clock starts at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from minsheng.cases import hooks
from minsheng.cases.batch import do_action_many
from minsheng.cases.models import Case
from minsheng.cases.schemas import ActionBody
from minsheng.cases.service import do_action
from minsheng.cases.workflow import Action
from minsheng.clock import utcnow
from minsheng.directory import service as directory
from minsheng.directory.actors import Actor
from minsheng.errors import InvalidField
from minsheng.routing import foresight
from minsheng.routing.duplicates import DuplicateQuery, find_duplicates, find_duplicates_many
from minsheng.routing.router import Router, Suggestion
from minsheng.routing.runtime import current_router, whole_model_here
from minsheng.settings import get_settings

ROUTER_USERNAME = "router"
AUTO_REASONS = ("category", "town_centre", "override")  # not no_town / unknown_category (manual desk)


def router_actor(session: Session) -> Actor:
    centre = directory.centre_code(session)
    return Actor(None, ROUTER_USERNAME, "智能派单", "admin", centre, f"/{centre}/")


def specific_address(router: Router, address: str) -> str:
    """The address when it says more than place names (a road, an estate, a number), else ''."""
    address = (address or "").strip()
    rest = router.gazetteer.mask(address, "").strip(" ，,、")
    return address if len(rest) >= 2 else ""


def suggest(session: Session, text: str, address: str = "", *, lat: float | None = None,
            lng: float | None = None, category: str | None = None, town: str | None = None,
            now: datetime | None = None) -> dict[str, Any] | None:
    """The suggested route (None when no model or no city is loaded). A `town` the caller knows
    replaces the located one for the units; a `category` the caller knows is the one whose open
    cases are searched for duplicates (the suggested category itself stays what the model said)."""
    router = current_router(session)
    if router is None:
        return None
    # A web worker whose background router runs in a process of its own never loads the encoder:
    # it suggests with the fast form (top-3 within a point of the whole model's), and the router
    # refines the suggestion once the case is taken in.
    s = router.suggest(text, address, fast=not whole_model_here())
    return _completed(session, router, s, text, address, lat=lat, lng=lng,
                      category=category, town=town, now=now)


def _completed(session: Session, router: Router, s: Suggestion, text: str, address: str, *,
               lat: float | None, lng: float | None, category: str | None, town: str | None,
               now: datetime | None, case_id: int | None = None, duplicates: bool = True) -> dict[str, Any]:
    """The model's suggestion as stored: units for the caller's town, and the duplicates (of a
    case already written, `case_id`: among the cases received before it; none looked for when
    `duplicates` is False)."""
    out = s.as_dict()
    place_town = town or s.town
    if place_town != s.town:
        a = router.assigner.assign(s.category, place_town)
        out["town"], out["village"], out["unit"], out["unit_reason"] = place_town, None, a.unit, a.reason
        out["top"] = [dict(t, unit=router.assigner.assign(t["category"], place_town).unit) for t in out["top"]]
    out["duplicates"] = []
    if duplicates:
        settings = get_settings()
        out["duplicates"] = find_duplicates(
            session, _duplicate_query(router, out, text, address, lat, lng, category, case_id),
            now=now or utcnow(), window_hours=settings.duplicate_window_hours, radius_m=settings.duplicate_radius_m)
    return out


def _duplicate_query(router: Router, out: dict[str, Any], text: str, address: str, lat: float | None,
                     lng: float | None, category: str | None, case_id: int | None) -> DuplicateQuery:
    return DuplicateQuery(text, category or out["category"] or "", out["village"], specific_address(router, address),
                          lat, lng, case_id)


def _case_suggestion(session: Session, router: Router, case: Case, s: Suggestion,
                     duplicates: bool = True) -> dict[str, Any]:
    return _completed(session, router, s, case.content, case.address, lat=case.lat, lng=case.lng,
                      category=case.category_code, town=case.town_code, now=case.created_at, case_id=case.id,
                      duplicates=duplicates)


def prepare_case(session: Session, case: Case) -> None:
    """Store the suggestions on a new case and fill category/track, town and village if missing
    (nothing when `Settings.routing_on_intake` is off: the case waits for a dispatcher as given)."""
    prepare_cases(session, [case])


@hooks.batch_form(prepare_case)
def prepare_cases(session: Session, cases: list[Case]) -> None:
    """`prepare_case` for a batch of intakes: the model runs once over all their texts (only its
    fast form when the background router refines the route after commit)."""
    settings = get_settings()
    router = current_router(session) if settings.routing_on_intake and cases else None
    if router is not None:
        fast = foresight.intake_form_is_fast()
        foreseen = foresight.take(router, [(case.content, case.address) for case in cases], fast)
        route_cases(session, cases, fast=fast, suggested=foreseen)


def route_cases(session: Session, cases: list[Case], routed_at: datetime | None = None,
                fast: bool = False, suggested: list[Suggestion | None] | None = None) -> bool:
    """Suggest a route for each case (one model run) and fill what it lacks, after taking back what
    a fast suggestion filled in a case still waiting (`unfill`); False, and nothing changed, without
    a model. `fast`: the model's fast form, and no duplicate search. `suggested`: the model's
    suggestions already made for some of the cases (None where not)."""
    router = current_router(session) if cases else None
    if router is None:
        return False
    for case in cases:
        if case.status == "received":  # a person who acted since decided with the first suggestion
            unfill(case)
    given = list(suggested) if suggested is not None else [None] * len(cases)
    missing = [(case.content, case.address) for case, s in zip(cases, given, strict=True) if s is None]
    made = iter(router.suggest_many(missing, fast=fast) if missing else [])
    suggestions = [s if s is not None else next(made) for s in given]
    stored = [_case_suggestion(session, router, case, s, duplicates=False)
              for case, s in zip(cases, suggestions, strict=True)]
    queries = [] if fast else [(_duplicate_query(router, out, case.content, case.address, case.lat, case.lng,
                                                 case.category_code, case.id), case.created_at)
                               for case, out in zip(cases, stored, strict=True)]
    for case, suggestion in zip(cases, stored, strict=True):
        if routed_at is not None:
            suggestion["routed_at"] = routed_at.isoformat()
        _fill(session, case, suggestion)
    if queries:  # one look-up for the batch, after its fills (an earlier case of the batch may be one)
        settings = get_settings()
        found = find_duplicates_many(session, queries, window_hours=settings.duplicate_window_hours,
                                     radius_m=settings.duplicate_radius_m)
        for case, duplicates in zip(cases, found, strict=True):
            if duplicates:
                case.suggestions = {**(case.suggestions or {}), "duplicates": duplicates}
    return True


def _fill(session: Session, case: Case, s: dict[str, Any]) -> None:
    """Fill what the case lacks from suggestion `s`, noting in s["filled"] what was filled (and the
    track it replaced), so a refined suggestion can take it back (`unfill`)."""
    given_category = case.category_code
    filled: dict[str, Any] = {}
    if case.category_code is None and s["category"]:
        try:
            track = directory.category_track(session, s["category"])
            filled["category_code"], filled["track"] = s["category"], case.track
            case.track, case.category_code = track, s["category"]
        except InvalidField:  # deactivated a moment ago (the router's city is up to a second old)
            s["category"] = None
    if case.town_code is None and s["town"]:
        case.town_code = filled["town_code"] = s["town"]
    if case.village_code is None and s["village"] and case.town_code == s["town"]:
        case.village_code = filled["village_code"] = s["village"]
    s["filled"] = filled
    threshold = get_settings().auto_assign_threshold
    s["auto_assign"] = bool(
        s.get("stage") != "fast"  # the fast form suggests; the refined suggestion may assign
        and s["category"] and (given_category is None or given_category == s["category"])
        and s["confidence"] >= threshold and s["unit_reason"] in AUTO_REASONS
        and s["unit"] != directory.centre_code(session)  # the centre's own desk: people decide
        and not s["location"]["outside_city"])
    s["threshold"] = threshold
    case.suggestions = s


def unfill(case: Case) -> None:
    """Take back what a fast suggestion filled, where nobody has changed it since."""
    filled = (case.suggestions or {}).get("filled") or {}
    if "category_code" in filled and case.category_code == filled["category_code"]:
        case.category_code, case.track = None, filled["track"]
    for field in ("town_code", "village_code"):
        if field in filled and getattr(case, field) == filled[field]:
            setattr(case, field, None)


def _auto_assign_body(session: Session, case: Case) -> ActionBody | None:
    s = case.suggestions or {}
    if not s.get("auto_assign") or case.status != "received":
        return None
    category = directory.category_names(session).get(s.get("category") or "", s.get("category"))
    return ActionBody(unit=s["unit"], note=f"智能派单：{category}，置信度 {s.get('confidence', 0):.0%}")


def auto_assign(session: Session, case: Case, now: datetime) -> None:
    body = _auto_assign_body(session, case)
    if body is not None:
        do_action(session, case.id, "assign", body, router_actor(session), now=now)


@hooks.batch_form(auto_assign)
def auto_assign_many(session: Session, cases: list[Case], now: datetime) -> None:
    """`auto_assign` for a batch of cases just created or locked: one assignment of them all."""
    items = [(case, body) for case in cases if (body := _auto_assign_body(session, case)) is not None]
    if items:
        do_action_many(session, items, Action.ASSIGN, router_actor(session), now)
