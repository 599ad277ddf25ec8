"""Live case changes for consoles: who may see an announcement, and the PostgreSQL LISTEN loop.

On PostgreSQL every app process keeps ONE listening connection on `minsheng_events` and hands
each notification to its in-process `broker`, which fans it out to that process's SSE streams.
On SQLite `announce` already publishes to the broker after commit, so nothing needs to listen.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from minsheng.directory.actors import Actor
from minsheng.directory.models import Unit
from minsheng.directory.service import units_below
from minsheng.events.publish import CHANNEL, Broker, broker, unpacked

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ViewerScope:
    """The in-memory twin of `directory.service.case_scope`, for filtering announcements.

    `team` is set for team members (they see their team's cases only); `everything` for the
    city centre; otherwise a case is visible when its handling or commanding unit is in `units`,
    or (town sub-centres) when it lies in `town`.
    """

    everything: bool
    units: frozenset[str] = frozenset()
    town: str | None = None
    team: str | None = None

    def covers(self, fields: Mapping[str, Any]) -> bool:
        if self.team is not None:
            return bool(fields.get("team")) and fields.get("team") == self.team
        if self.everything:
            return True
        if fields.get("unit") in self.units or fields.get("command_unit") in self.units:
            return True
        return self.town is not None and fields.get("town") == self.town

    def sees(self, message: Mapping[str, Any]) -> bool:
        """The case is visible to this viewer after the change."""
        return self.covers(message)

    def saw(self, message: Mapping[str, Any]) -> bool:
        """The case was visible to this viewer before the change (so it may need removing)."""
        was = message.get("was") or {}
        return bool(was) and self.covers(was)


def viewer_scope(session: Session, actor: Actor) -> ViewerScope:
    if actor.role == "team_member":
        return ViewerScope(everything=False, team=actor.team_code or "")
    if actor.role == "integration":  # sees no case (as case_scope)
        return ViewerScope(everything=False)
    if actor.sees_everything:
        return ViewerScope(everything=True)
    unit = session.get(Unit, actor.unit_code)
    town = unit.town_code if unit is not None and unit.kind == "town_centre" else None
    return ViewerScope(everything=False, units=frozenset(units_below(session, actor)), town=town)


def listen_forever(url: str, target: Broker, stop: threading.Event, *, poll_seconds: float = 0.5,
                   on_ready: Callable[[], None] | None = None) -> None:
    """LISTEN on the channel and publish every notification to `target` until `stop` is set.

    Reconnects after a lost connection (messages sent while disconnected are lost; consoles
    resynchronise by reloading their lists when their stream reconnects).
    """
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                if on_ready is not None:
                    on_ready()
                while not stop.is_set():
                    for note in conn.notifies(timeout=poll_seconds, stop_after=100):
                        if not target.has_subscribers():  # no console streams from this process
                            continue
                        try:
                            for message in unpacked(note.payload):
                                target.publish(message)
                        except ValueError:
                            log.warning("ignoring a malformed notification: %.200s", note.payload)
        except Exception:  # a listener must survive a database restart
            log.exception("event listener lost its connection; reconnecting in 1 s")
            stop.wait(1.0)


def start_listener(app_state: Any) -> Callable[[], None] | None:
    """App lifespan hook (domains.BACKGROUND): one LISTEN thread per process on PostgreSQL."""
    from minsheng.db import get_db

    db = get_db()
    if not db.is_postgres:
        return None
    stop = threading.Event()
    ready = threading.Event()
    thread = threading.Thread(target=listen_forever, args=(db.url, broker, stop),
                              kwargs={"on_ready": ready.set}, name="minsheng-listen", daemon=True)
    thread.start()
    ready.wait(5.0)  # so that a console opened right after start-up misses nothing

    def _stop() -> None:
        stop.set()
        thread.join(timeout=5.0)

    return _stop
