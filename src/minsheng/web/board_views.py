"""The supervisors' escalation board (/escalations) and the leaders' dashboard (/dashboard)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from minsheng.api.deps import ReadSession
from minsheng.clock import utcnow
from minsheng.directory import reads
from minsheng.directory.actors import Actor
from minsheng.stats.backlog import STATE_LABELS, as_json, backlog, may_see_backlog, require_may_see_backlog
from minsheng.stats.dashboard import dashboard
from minsheng.stats.escalations import escalation_board
from minsheng.web.auth import area_guard
from minsheng.web.pages import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
EscalationActor = Annotated[Actor, Depends(area_guard("escalations"))]
DashboardActor = Annotated[Actor, Depends(area_guard("dashboard"))]


def _backlog_context(session: Session, now: datetime) -> dict[str, Any]:
    return {**as_json(backlog(session, now), now), "STATE_LABELS": STATE_LABELS}


@router.get("/escalations")
def escalations_page(request: Request, actor: EscalationActor, session: ReadSession) -> Response:
    now = utcnow()
    groups = escalation_board(session, actor, now)
    ops = _backlog_context(session, now) if may_see_backlog(actor) else None
    return render(request, "escalations.html", actor, groups=groups,
                  total=sum(len(g.items) for g in groups), ops=ops)


@router.get("/escalations/backlog")
def backlog_panel(request: Request, actor: EscalationActor, session: ReadSession) -> Response:
    """The background queues' panel, for the board's periodic refresh."""
    require_may_see_backlog(actor)
    return render(request, "partials/backlog.html", actor, **_backlog_context(session, utcnow()))


def _json(value: Any) -> Markup:
    """JSON safe to embed in a <script type="application/json"> element."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@router.get("/dashboard")
def dashboard_page(request: Request, actor: DashboardActor, session: ReadSession,
                   town: Annotated[str | None, Query(max_length=12)] = None) -> Response:
    towns = reads.towns_in_scope(session, actor)
    allowed = {code for code, _ in towns}
    if not actor.sees_everything:
        town = next(iter(allowed), "-")  # a town sub-centre sees its own town only
    elif town not in allowed:
        town = None
    d = dashboard(session, utcnow(), town)
    categories = {c["code"]: c["name"] for c in reads.categories(session)}
    places = reads.place_names(session)
    chart = {
        "trend": [[str(day), r, c] for day, r, c in d.trend],
        "channels": d.month.by_channel, "towns": {places.get(k, k or "未识别"): v for k, v in d.month.by_town.items()},
        "categories": sorted(((categories.get(k, k or "未分类"), v) for k, v in d.month.by_category.items()),
                             key=lambda kv: -kv[1])[:12],
    }
    return render(request, "dashboard.html", actor, d=d, towns=towns if actor.sees_everything else [],
                  town=town, categories=categories, places=places, chart=_json(chart))
