"""Announce case changes to live consoles, only once the transaction has committed.

Inside an action, call `announce(session, kind, case_id, ...)`. On PostgreSQL this issues
`pg_notify` in the same transaction (delivered to every process on commit, never on rollback);
on SQLite the message goes to the in-process broker after commit.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from minsheng.db import is_postgres

CHANNEL = "minsheng_events"
_PENDING = "minsheng_pending_announcements"
_NOTIFY = text("SELECT pg_notify(:c, :m)")


class Broker:
    """In-process fan-out to subscribers (each SSE connection holds one queue)."""

    def __init__(self) -> None:
        self._subscribers: set[queue.Queue[dict[str, Any]]] = set()
        self._lock = threading.Lock()

    def subscribe(self) -> queue.Queue[dict[str, Any]]:
        q: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=1000)
        with self._lock:
            self._subscribers.add(q)
        return q

    def unsubscribe(self, q: queue.Queue[dict[str, Any]]) -> None:
        with self._lock:
            self._subscribers.discard(q)

    def publish(self, message: dict[str, Any]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for q in subscribers:
            # a stalled console drops messages; it resyncs on reconnect
            with contextlib.suppress(queue.Full):
                q.put_nowait(message)


broker = Broker()


def announce(session: Session, kind: str, case_id: int | None = None, **data: Any) -> None:
    message = {"kind": kind, "case_id": case_id, **data}
    if is_postgres(session):
        # on the session's connection (no ORM layer in between: this runs on every case action)
        session.connection().execute(_NOTIFY, {"c": CHANNEL, "m": json.dumps(message)})
    else:
        session.info.setdefault(_PENDING, []).append(message)


@event.listens_for(Session, "after_commit")
def _deliver(session: Session) -> None:
    for message in session.info.pop(_PENDING, []):
        broker.publish(message)


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(_PENDING, None)
