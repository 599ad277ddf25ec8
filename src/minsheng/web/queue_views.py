"""The live queue page (/queue) and its column fragment for resynchronising after a reconnect."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from minsheng.api.deps import ReadSession
from minsheng.cases import present
from minsheng.cases.queue import COLUMNS, QueueFilter, load_queue
from minsheng.directory.actors import Actor
from minsheng.directory.reads import towns_in_scope
from minsheng.web.auth import area_guard
from minsheng.web.clocks import next_clock
from minsheng.web.pages import ConsoleRoute, render, unit_name

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
QueueActor = Annotated[Actor, Depends(area_guard("queue"))]


def queue_context(session: Session, actor: Actor, f: QueueFilter) -> dict[str, Any]:
    queue = load_queue(session, actor, f)
    everything = [c for col in COLUMNS for c in queue.rows[col]]
    summaries = {s.id: s for s in present.summaries(session, everything)}
    rows = {col: [summaries[c.id] for c in queue.rows[col]] for col in COLUMNS}
    return {"rows": rows, "counts": queue.counts, "columns": COLUMNS,
            "clocks": {i: next_clock(s.clocks) for i, s in summaries.items()}}


@router.get("/queue")
def queue_page(request: Request, actor: QueueActor, session: ReadSession,
               town: Annotated[str | None, Query(max_length=12)] = None,
               track: Annotated[str | None, Query(max_length=32)] = None,
               number: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    f = QueueFilter(town=town or None, track=track or None, number=number or None)
    towns = towns_in_scope(session, actor)
    scope_label = "全市" if actor.sees_everything else unit_name(actor.unit_code)
    return render(request, "queue.html", actor, f=f, towns=towns if len(towns) > 1 else [],
                  scope_label=scope_label, **queue_context(session, actor, f))
