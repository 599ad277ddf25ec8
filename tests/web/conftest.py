"""Console fixtures: a TestClient signed in through the login form (cookie + CSRF token)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from minsheng.web.session_views import login_token_in
from tests.conftest import PASSWORD


class ConsoleUser:
    """A browser-like client for one console user: cookie session and the page's CSRF token."""

    def __init__(self, client: Any, username: str) -> None:
        from fastapi.testclient import TestClient

        self.client = TestClient(client.app)
        self.client.__enter__()
        token = login_token_in(self.client.get("/login").text)
        resp = self.client.post("/login", data={"username": username, "password": PASSWORD, "login_token": token},
                                follow_redirects=False)
        assert resp.status_code == 303, resp.text
        self.landing = resp.headers["location"]
        self.csrf = ""

    def get(self, url: str, **kw: Any) -> Any:
        resp = self.client.get(url, **kw)
        match = re.search(r'<meta name="csrf-token" content="([^"]*)"', resp.text)
        if match and match.group(1):
            self.csrf = match.group(1)
        return resp

    def post(self, url: str, data: dict[str, Any] | None = None, htmx: bool = True, **kw: Any) -> Any:
        if not self.csrf:
            self.get("/queue")
        headers = {"X-CSRF-Token": self.csrf, **({"HX-Request": "true"} if htmx else {})}
        return self.client.post(url, data=data or {}, headers=headers, follow_redirects=False, **kw)

    def close(self) -> None:
        self.client.__exit__(None, None, None)


@pytest.fixture
def console(client: Any) -> Any:
    users: list[ConsoleUser] = []

    def _open(username: str) -> ConsoleUser:
        user = ConsoleUser(client, username)
        users.append(user)
        return user

    yield _open
    for user in users:
        user.close()


ConsoleFactory = Callable[[str], ConsoleUser]
