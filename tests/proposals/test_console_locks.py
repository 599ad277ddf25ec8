"""Console routes do their database work in the thread pool, never on the event loop: a console
action waiting for a row lock held by another request of the same process must not stop that
request from reaching its commit (they were `async def`, and the process hung). PostgreSQL."""
from __future__ import annotations

import re
import time

import httpx
import pytest
from sqlalchemy import text

from minsheng.proposals.service import lock_proposal
from tests.concurrency import Background, Held, wait_until_blocked, waiting_on_lock
from tests.conftest import PASSWORD
from tests.integrations.conftest import live_server  # noqa: F401  (fixture)
from tests.proposals.conftest import SAMPLE

pytestmark = pytest.mark.postgres_only


def _token(base: str, user: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": user, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _console(base: str, user: str) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=base, timeout=30)
    page = c.get("/login").text
    token = re.search(r'name="login_token" value="([^"]+)"', page).group(1)
    r = c.post("/login", data={"username": user, "password": PASSWORD, "login_token": token})
    assert r.status_code == 303, r.text
    csrf = re.search(r'<meta name="csrf-token" content="([^"]*)"', c.get("/proposals").text).group(1)
    return c, csrf


def test_a_console_action_waiting_for_a_lock_does_not_hold_up_the_process(live_server, db, backend) -> None:  # noqa: F811
    """Once the outside transaction lets go, the API sign and the console sign both finish (one
    200, one 409) and /healthz answers throughout. (With the console route on the event loop, the
    API request got the lock but could not reach its commit, and nothing finished.)"""
    base = live_server
    city, zjj = _token(base, "citydisp"), _token(base, "zjj")
    pid = httpx.post(f"{base}/api/v1/proposals", json=SAMPLE, headers=city).json()["id"]
    assert httpx.post(f"{base}/api/v1/proposals/{pid}/assign", json={"host_unit": "ZJJ", "assist_units": ["ZFJ"]},
                      headers=city).status_code == 200
    console, csrf = _console(base, "zjj")

    outside = Held(db, lambda s: lock_proposal(s, pid)).start()  # e.g. the clockwork or another process
    api = Background(lambda: httpx.post(f"{base}/api/v1/proposals/{pid}/sign", json={}, headers=zjj, timeout=60))
    wait_until_blocked(db, 1)  # the API request (thread pool) waits for the row
    page = Background(lambda: console.post(f"/proposals/{pid}/act/sign",
                                           headers={"X-CSRF-Token": csrf, "HX-Request": "true"}, timeout=60))
    wait_until_blocked(db, 2)  # the console request waits for it too: on the event loop
    outside.release()

    time.sleep(5)
    try:
        health = httpx.get(f"{base}/healthz", timeout=3).status_code
    except httpx.TimeoutException:
        health = "timeout"
    api_done, page_done = not api.thread.is_alive(), not page.thread.is_alive()
    stuck = not (api_done and page_done)
    still_waiting = waiting_on_lock(db)
    # unstick the server so that the fixture can stop it
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND wait_event_type = 'Lock'"))
        conn.commit()
    api.join(60), page.join(60)
    assert not stuck and health == 200, (
        f"5 s after the lock was free: API done={api_done}, console done={page_done}, /healthz={health}, "
        f"backends still waiting on a lock={still_waiting}; "
        f"after cancelling the waiter: API={getattr(api.result, 'status_code', api.error)}, "
        f"console={getattr(page.result, 'status_code', page.error)}")
