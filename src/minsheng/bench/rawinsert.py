"""The yardstick for intake: the same rows written with raw psycopg, no framework in between.

Each case is one transaction on its own connection: INSERT INTO cases (the columns the service
writes) RETURNING id, INSERT INTO case_events (the "create" timeline line), COMMIT. Case numbers
come from a local counter (the service allocates them in the database).
"""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

CASE_SQL = (
    "INSERT INTO cases (number, channel, source_system, source_id, citizen_name, citizen_phone, content, address,"
    " lng, lat, category_code, town_code, village_code, track, priority, status, suspended, rated, merged, level,"
    " command_unit_code, escalated, overdue, reopen_count, created_by, created_at, updated_at)"
    " VALUES (%s, %s, NULL, NULL, %s, %s, %s, %s, NULL, NULL, %s, %s, %s, %s, 0, 'received', false, false, false,"
    " 'city', %s, false, false, 0, %s, %s, %s) RETURNING id"
)
EVENT_SQL = (
    "INSERT INTO case_events (case_id, at, action, from_status, to_status, actor_id, actor_name, actor_unit, note,"
    " data) VALUES (%s, %s, 'create', NULL, 'received', %s, %s, %s, '受理诉求', %s)"
)


def raw_insert_rate(url: str, bodies: list[dict[str, Any]], concurrency: int, username: str) -> dict[str, float]:
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        tracks: dict[str, str] = dict(conn.execute("SELECT code, track FROM categories").fetchall())
        centre = conn.execute("SELECT code FROM units WHERE kind = 'centre'").fetchone()[0]  # type: ignore[index]
        user_id, actor_name = conn.execute(
            "SELECT id, display_name FROM users WHERE username = %s", (username,)).fetchone()  # type: ignore[misc]
    counter = itertools.count(1)
    lock = threading.Lock()
    day = datetime.now(UTC).strftime("%Y%m%d")
    errors: list[BaseException] = []

    def work(share: list[dict[str, Any]]) -> None:
        try:
            with psycopg.connect(conninfo) as conn:
                for b in share:
                    with lock:
                        number = f"R{day}{next(counter):06d}"
                    now = datetime.now(UTC)
                    with conn.transaction():
                        case_id = conn.execute(CASE_SQL, (
                            number, b["channel"], b.get("citizen_name"), b.get("citizen_phone"), b["content"],
                            b.get("address") or "", b.get("category"), b.get("town"), b.get("village"),
                            tracks.get(b.get("category") or "", "normal"), centre, user_id, now, now,
                        )).fetchone()[0]  # type: ignore[index]
                        conn.execute(EVENT_SQL, (case_id, now, user_id, actor_name, centre,
                                                 Jsonb({"channel": b["channel"]})))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    shares = [bodies[i::concurrency] for i in range(concurrency)]
    threads = [threading.Thread(target=work, args=(share,)) for share in shares]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    return {"cases_per_s": len(bodies) / seconds, "seconds": seconds}
