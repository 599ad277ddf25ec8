"""Signing in through the console's form: the form's token guards against login CSRF."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from minsheng.web.session_views import LOGIN_COOKIE, login_token_in
from tests.conftest import PASSWORD


def test_the_form_signs_in_and_drops_its_token(app: Any) -> None:
    with TestClient(app) as browser:
        token = login_token_in(browser.get("/login").text)
        assert token and browser.cookies.get(LOGIN_COOKIE) == token
        resp = browser.post("/login", data={"username": "citydisp", "password": PASSWORD, "login_token": token},
                            follow_redirects=False)
        assert resp.status_code == 303 and resp.cookies.get("minsheng_session")
        assert LOGIN_COOKIE in resp.headers["set-cookie"] and "Max-Age=0" in resp.headers["set-cookie"]


def test_a_forged_cross_site_login_is_refused(app: Any) -> None:
    with TestClient(app) as attacker, TestClient(app) as victim:
        token = login_token_in(attacker.get("/login").text)  # the attacker's own page and token
        forged = {"username": "citydisp", "password": PASSWORD, "login_token": token}
        for data in (forged, {k: v for k, v in forged.items() if k != "login_token"}):
            resp = victim.post("/login", data=data, follow_redirects=False)
            assert resp.status_code == 403 and "minsheng_session" not in resp.cookies
            assert "登录页面已过期" in resp.text
            assert login_token_in(resp.text)  # a fresh form to sign in for real


def test_a_wrong_password_shows_the_form_again_with_a_new_token(app: Any) -> None:
    with TestClient(app) as browser:
        first = login_token_in(browser.get("/login").text)
        resp = browser.post("/login", data={"username": "citydisp", "password": "wrong", "login_token": first})
        assert resp.status_code == 401 and "minsheng_session" not in resp.cookies
        second = login_token_in(resp.text)
        assert second and second != first and browser.cookies.get(LOGIN_COOKIE) == second


def test_a_browser_asking_for_an_unknown_address_gets_a_page_the_api_json(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "无法完成请求" in page.text and "http_404" not in page.text
    api = client.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json()["code"] == "http_404"
    assert client.get("/no-such-page").json()["code"] == "http_404"  # a program asking for JSON


def test_a_browser_without_a_session_is_sent_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/queue", headers={"Accept": "text/html,application/xhtml+xml"}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/login?next=/queue"), resp.headers
    assert client.post("/queue", headers={"Accept": "text/html"}).headers.get("allow")  # 405 keeps Allow
