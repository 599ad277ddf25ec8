"""Announce case changes to live consoles, only once the transaction has committed.

Inside an action, call `announce(session, kind, case_id, ...)`; the message is kept with the
session and handed on after commit (never on rollback). On SQLite it goes to the in-process
broker. On PostgreSQL a background thread per process sends it as `pg_notify` on channel
`minsheng_events` (JSON arrays of messages, a few kilobytes each), batching whatever has queued up
meanwhile into one short transaction. Not inside the action's own transaction: PostgreSQL serialises the
commits of all transactions that NOTIFY, fsync included, which capped intake at a few hundred
cases per second. Announcements are live-update hints (consoles resync on reconnect); anything
that must not be lost goes through the outbox.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from minsheng.db import is_postgres

CHANNEL = "minsheng_events"
_PENDING = "minsheng_pending_announcements"
_NOTIFY = text("SELECT pg_notify(:c, :m)")
_ASYNC_COMMIT = text("SELECT set_config('synchronous_commit', 'off', true)")
_BATCH = 500
_PACK_BYTES = 7000
log = logging.getLogger(__name__)


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


class PgNotifier:
    """One daemon thread per engine sending committed announcements as NOTIFYs, in batches."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queue: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="minsheng-notify", daemon=True)
        self._thread.start()

    def put(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self._queue.put((CHANNEL, json.dumps(message)))

    def wake(self, channel: str) -> None:
        """An empty NOTIFY on `channel` (e.g. to wake timer workers after new timers committed)."""
        self._queue.put((channel, ""))

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            with contextlib.suppress(queue.Empty):
                while len(batch) < _BATCH:
                    batch.append(self._queue.get_nowait())
            try:
                with self.engine.begin() as conn:
                    conn.execute(_ASYNC_COMMIT)  # a hint: its commit need not wait for the disk
                    conn.execute(_NOTIFY, [{"c": channel, "m": payload} for channel, payload in packed(batch)])
            except Exception:  # the database is away: drop the hints, keep the thread
                log.warning("could not send %d announcements", len(batch), exc_info=True)


def packed(batch: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Announcements packed into JSON arrays of up to _PACK_BYTES (a NOTIFY payload must stay under
    8000 bytes): a burst of intakes costs a few NOTIFYs, not one each. Other channels go as they are."""
    out: list[tuple[str, str]] = []
    chunk: list[str] = []
    size = 0
    for channel, payload in batch:
        if channel != CHANNEL:
            out.append((channel, payload))
            continue
        if chunk and size + len(payload.encode()) + 1 > _PACK_BYTES:
            out.append((CHANNEL, f"[{','.join(chunk)}]"))
            chunk, size = [], 0
        chunk.append(payload)
        size += len(payload.encode()) + 1
    if chunk:
        out.append((CHANNEL, f"[{','.join(chunk)}]"))
    return out


def unpacked(payload: str) -> list[dict[str, Any]]:
    """The announcements in one notification's payload (ValueError if it is not JSON)."""
    messages = json.loads(payload)
    return messages if isinstance(messages, list) else [messages]


_notifiers: dict[int, PgNotifier] = {}
_notifiers_lock = threading.Lock()


def notifier(engine: Engine) -> PgNotifier:
    with _notifiers_lock:
        found = _notifiers.get(id(engine))
        if found is None or found.engine is not engine:
            found = _notifiers[id(engine)] = PgNotifier(engine)
        return found


def announce(session: Session, kind: str, case_id: int | None = None, **data: Any) -> None:
    session.info.setdefault(_PENDING, []).append({"kind": kind, "case_id": case_id, **data})


@event.listens_for(Session, "after_commit")
def _deliver(session: Session) -> None:
    messages = session.info.pop(_PENDING, [])
    if not messages:
        return
    if is_postgres(session):
        notifier(session.get_bind().engine).put(messages)
    else:
        for message in messages:
            broker.publish(message)


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(_PENDING, None)
