"""A minimal server-sent-events reader for tests: collects events from a live server in a thread."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any

import httpx

from minsheng.web.session_views import login_token_in
from tests.conftest import PASSWORD


def console_cookie(base: str, username: str) -> str:
    with httpx.Client(base_url=base, timeout=60) as client:
        token = login_token_in(client.get("/login").text)
        resp = client.post("/login", data={"username": username, "password": PASSWORD, "login_token": token},
                           follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return str(resp.cookies["minsheng_session"])


def api_headers(base: str, username: str) -> dict[str, str]:
    resp = httpx.post(base + "/api/v1/auth/token", timeout=60, data={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


class EventCollector:
    def __init__(self, base: str, username: str, view: str = "queue") -> None:
        self.url = f"{base}/console/stream?view={view}"
        self.cookie = console_cookie(base, username)
        self.events: list[tuple[float, str, dict[str, Any]]] = []
        self.connected = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.connected.wait(10), "stream did not open"

    def _run(self) -> None:
        with contextlib.suppress(httpx.HTTPError):  # the server stopped
            self._read()

    def _read(self) -> None:
        with httpx.Client(cookies={"minsheng_session": self.cookie}, timeout=httpx.Timeout(5.0, read=None)) as c, \
                c.stream("GET", self.url) as resp:
            kind = ""
            for line in resp.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                    if kind == "hello":
                        self.connected.set()
                    else:
                        self.events.append((time.monotonic(), kind, data))

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> tuple[float, str, dict[str, Any]] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in list(self.events):
                if predicate(event[2]):
                    return event
            time.sleep(0.02)
        return None
