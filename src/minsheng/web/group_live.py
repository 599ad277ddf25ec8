"""Live group changes for the console's stream (web/stream_views).

A group's members see its case through the group, which the scope fields of a "case"
announcement cannot show; so a "group" or "group_message" announcement is checked by re-reading
the case through the viewer's scope. A group change then goes out as an ordinary case update;
a new message goes out as the event `group-<case id>`, which reloads only the thread list.
"""

from __future__ import annotations

from typing import Any

from minsheng.cases.queue import visible_case
from minsheng.db import Database
from minsheng.directory.actors import Actor
from minsheng.events.live import ViewerScope
from minsheng.web.live import update_for

GROUP_KINDS = ("group", "group_message")
NEW_TO_MEMBERS = ("group_form", "group_add")  # the case enters a member's view


def group_update(db: Database, actor: Actor, scope: ViewerScope, message: dict[str, Any],
                 view: str) -> tuple[str, dict[str, Any]] | None:
    """(SSE event name, data) for this viewer, or None when the case is outside its scope or the
    viewer already had this change as a "case" announcement."""
    case_id = message.get("case_id")
    if not isinstance(case_id, int) or (message.get("via_case") and scope.sees(message)):
        return None
    with db.read_session() as session:
        if visible_case(session, actor, case_id) is None:
            return None
    if message.get("kind") == "group_message":
        return f"group-{case_id}", {"id": case_id, "message_id": message.get("message_id"),
                                     "unit": message.get("unit"), "mentions": message.get("mentions") or []}
    update = update_for(db, actor, message, view, saw=message.get("action") not in NEW_TO_MEMBERS)
    return ("case", update) if update is not None else None
