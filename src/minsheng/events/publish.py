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

import psycopg
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from minsheng.db import committed_for_real, is_postgres

CHANNEL = "minsheng_events"
_PENDING = "minsheng_pending_announcements"
_NOTIFY_SQL = "SELECT pg_notify(%s, %s)"
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

    def has_subscribers(self) -> bool:
        return bool(self._subscribers)

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
        self._queue: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="minsheng-notify", daemon=True)
        self._thread.start()
        event.listen(engine, "engine_disposed", lambda _engine: self._queue.put(None))

    def put(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self._queue.put((CHANNEL, json.dumps(message)))

    def wake(self, channel: str) -> None:
        """An empty NOTIFY on `channel` (e.g. to wake timer workers after new timers committed)."""
        self._queue.put((channel, ""))

    def _run(self) -> None:
        sender = _Sender(self.engine)
        while True:
            batch = [self._queue.get()]
            with contextlib.suppress(queue.Empty):
                while len(batch) < _BATCH:
                    batch.append(self._queue.get_nowait())
            if None in batch:  # the engine was disposed of (its pool closed): so is our connection
                sender.close()
            notes = packed([note for note in batch if note is not None])
            try:
                if notes:
                    sender.send(notes)
            except Exception:  # the database is away: drop the hints, keep the thread
                log.warning("could not send %d announcements", len(notes), exc_info=True)
                sender.close()


class _Sender:
    """The notifier's connection, kept between batches: a batch is one statement, not a pool
    check-out with its ping and a transaction of four round trips. Made as the pool makes its
    connections (then detached from it), in autocommit with synchronous_commit off: a hint's
    commit need not wait for the disk."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: psycopg.Connection[Any] | None = None

    def send(self, notes: list[tuple[str, str]]) -> None:
        """One transaction. A kept connection found lost (a restart) is replaced once, as the
        pool's ping would have replaced it."""
        if self.conn is not None:
            try:
                return _send(self.conn, notes)
            except psycopg.OperationalError:
                if not self.conn.broken:
                    raise
                self.close()
        self.conn = self._connect()
        _send(self.conn, notes)

    def _connect(self) -> psycopg.Connection[Any]:
        pooled = self.engine.raw_connection()
        conn = pooled.driver_connection
        pooled.detach()
        assert isinstance(conn, psycopg.Connection)
        conn.autocommit = True
        conn.execute("SET synchronous_commit TO off")
        return conn

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None


def _send(conn: psycopg.Connection[Any], notes: list[tuple[str, str]]) -> None:
    if len(notes) == 1:
        conn.execute(_NOTIFY_SQL, notes[0])
    else:
        with conn.transaction(), conn.cursor() as cursor:
            cursor.executemany(_NOTIFY_SQL, notes)


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
    if not committed_for_real(session):
        return
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
