"""GET /console/stream: server-sent events of case changes, filtered by the viewer's scope.

Each stream subscribes to the process's broker (fed by LISTEN/NOTIFY on PostgreSQL, by commits
on SQLite), drops announcements outside the viewer's scope in memory, and re-reads the rest
through the scope before sending anything.
"""

from __future__ import annotations

import asyncio
import json
import queue
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from minsheng.db import Database, get_db
from minsheng.directory.actors import Actor
from minsheng.events.live import ViewerScope, viewer_scope
from minsheng.events.publish import broker
from minsheng.web.auth import ConsoleActor
from minsheng.web.group_live import GROUP_KINDS, group_update
from minsheng.web.live import VIEWS, update_for

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 0.05
HEARTBEAT_SECONDS = 15.0
MAX_STREAM_SECONDS = 600.0  # the browser reconnects by itself; keeps server shutdown quick


def _scope(db: Database, actor: Actor) -> ViewerScope:
    with db.read_session() as session:
        return viewer_scope(session, actor)


async def _events(db: Database, actor: Actor, scope: ViewerScope, view: str,
                  subscription: queue.Queue[dict[str, Any]]) -> AsyncIterator[str]:
    try:
        yield "retry: 2000\nevent: hello\ndata: {}\n\n"
        started = last = time.monotonic()
        while time.monotonic() - started < MAX_STREAM_SECONDS:
            try:
                message = subscription.get_nowait()
            except queue.Empty:
                if time.monotonic() - last > HEARTBEAT_SECONDS:
                    last = time.monotonic()
                    yield ": ping\n\n"
                await asyncio.sleep(POLL_SECONDS)
                continue
            if message.get("kind") in GROUP_KINDS:  # members see group cases through the group
                found = await run_in_threadpool(group_update, db, actor, scope, message, view)
                if found is not None:
                    last = time.monotonic()
                    yield f"event: {found[0]}\ndata: {json.dumps(found[1], ensure_ascii=False)}\n\n"
                continue
            if message.get("kind") != "case":
                continue
            sees, saw = scope.sees(message), scope.saw(message)
            if not (sees or saw):
                continue
            update = await run_in_threadpool(update_for, db, actor, message, view, saw=saw)
            if update is not None:
                last = time.monotonic()
                yield f"event: case\ndata: {json.dumps(update, ensure_ascii=False)}\n\n"
    finally:
        broker.unsubscribe(subscription)


@router.get("/console/stream")
async def stream(actor: ConsoleActor, view: str = "queue") -> StreamingResponse:
    db = get_db()
    scope = await run_in_threadpool(_scope, db, actor)
    subscription = broker.subscribe()  # before the first byte: nothing committed after this is missed
    return StreamingResponse(
        _events(db, actor, scope, view if view in VIEWS else "none", subscription),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
