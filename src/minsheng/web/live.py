"""What a console receives when a case changes: built per viewer, inside that viewer's scope.

`update_for(db, actor, message, view)` re-reads the case through the viewer's scope (so a stream
can never carry a case the viewer may not open) and renders what its page needs: the queue row
and column counts, a team member's task card, or just the fact that the open case changed.
"""

from __future__ import annotations

from typing import Any

from minsheng.cases import present
from minsheng.cases.queue import column_of, queue_counts, visible_case
from minsheng.cases.service import allowed_for
from minsheng.clock import utcnow
from minsheng.db import Database
from minsheng.directory.actors import Actor
from minsheng.web.clocks import next_clock
from minsheng.web.pages import env

VIEWS = ("queue", "tasks", "case", "none")


def update_for(db: Database, actor: Actor, message: dict[str, Any], view: str, *, saw: bool) -> dict[str, Any] | None:
    case_id = message.get("case_id")
    if not isinstance(case_id, int):
        return None
    with db.read_session() as session:
        case = visible_case(session, actor, case_id)
        if case is None:
            return {"id": case_id, "removed": True} if saw else None
        summary = present.summaries(session, [case])[0]
        update: dict[str, Any] = {
            "id": case.id, "number": case.number, "status": case.status, "action": message.get("action"),
            "fast": case.track == "fast", "removed": False, "town": case.town_code,
            # a fast-track case announces itself once to each viewer: when it enters that viewer's scope
            "announce": case.track == "fast" and not saw and case.status != "closed",
            "title": f"{case.number} {summary.category_name or ''} {case.address or ''}".strip(),
        }
        if view == "queue":
            update["column"] = column_of(case)
            update["counts"] = queue_counts(session, actor)
            if update["column"]:
                update["html"] = env.get_template("partials/queue_row.html").render(
                    c=summary, clock=next_clock(summary.clocks), fresh=True, now=utcnow())
        elif view == "tasks":
            active = case.status in ("dispatched", "on_site")
            update["column"] = "tasks" if active else None
            if active:
                update["html"] = env.get_template("partials/task_card.html").render(
                    c=summary, clock=next_clock(summary.clocks), allowed=allowed_for(session, case, actor), fresh=True,
                    now=utcnow())
        return update
