"""Sign-in (directory.security.sign_in): wrong passwords are counted per user name and per client
address, and past the limit every attempt is refused for the window. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from minsheng.attempts import TooManyAttempts
from minsheng.clock import utcnow
from minsheng.directory.security import sign_in
from minsheng.errors import Unauthorized
from minsheng.settings import get_settings
from tests.conftest import PASSWORD


def _token(client, username: str, password: str) -> int:  # type: ignore[no-untyped-def]
    return int(client.post("/api/v1/auth/token", data={"username": username, "password": password}).status_code)


def test_guessing_one_users_password_is_stopped_for_the_window(client) -> None:
    most = get_settings().login_max_failures_per_user
    assert [_token(client, "citydisp", f"guess-{i}") for i in range(most)] == [401] * most
    refused = client.post("/api/v1/auth/token", data={"username": "citydisp", "password": PASSWORD})
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_attempts", refused.text
    assert "分钟后再试" in refused.json()["message"]
    assert _token(client, "supervisor", PASSWORD) == 200  # another account is not locked by it


def test_the_window_moves_on(db) -> None:
    settings = get_settings()
    start = utcnow()
    for i in range(settings.login_max_failures_per_user):
        with pytest.raises(Unauthorized):
            sign_in(db, "citydisp", f"guess-{i}", "10.0.0.1", now=start)
    with pytest.raises(TooManyAttempts):
        sign_in(db, "citydisp", PASSWORD, "10.0.0.1", now=start + timedelta(seconds=1))
    # the dispatcher at its own desk is not locked out by a stranger's guesses
    assert sign_in(db, "citydisp", PASSWORD, "10.0.0.2", now=start + timedelta(seconds=1))[1] == "city_dispatcher"
    later = start + timedelta(seconds=settings.login_window_seconds + 1)
    user_id, role = sign_in(db, "citydisp", PASSWORD, "10.0.0.1", now=later)
    assert role == "city_dispatcher" and user_id > 0


def test_guessing_one_account_from_many_addresses_is_stopped_too(db) -> None:
    settings = get_settings()
    now = utcnow()
    for i in range(settings.login_max_failures_per_account):
        with pytest.raises(Unauthorized):
            sign_in(db, "supervisor", f"guess-{i}", f"10.1.{i // 250}.{i % 250}", now=now)
    with pytest.raises(TooManyAttempts):
        sign_in(db, "supervisor", PASSWORD, "10.9.9.9", now=now)


def test_one_address_guessing_many_names_is_stopped(db) -> None:
    settings = get_settings()
    now = utcnow()
    names = [f"nobody-{i}" for i in range(settings.login_max_failures_per_address)]
    for name in names:
        with pytest.raises(Unauthorized):
            sign_in(db, name, "guess", "10.0.0.9", now=now)
    with pytest.raises(TooManyAttempts):
        sign_in(db, "citydisp", PASSWORD, "10.0.0.9", now=now)
    assert sign_in(db, "citydisp", PASSWORD, "10.0.0.10", now=now)[1] == "city_dispatcher"


def test_the_console_login_form_says_so_in_chinese(client) -> None:
    from minsheng.web.session_views import login_token_in

    for i in range(get_settings().login_max_failures_per_user):
        _token(client, "dh_disp", f"guess-{i}")
    token = login_token_in(client.get("/login").text)
    resp = client.post("/login", data={"username": "dh_disp", "password": PASSWORD, "login_token": token},
                       follow_redirects=False)
    assert resp.status_code == 429 and "登录失败次数过多" in resp.text


def test_signing_out_ends_that_token_only(client, login) -> None:
    first, second = login("citydisp"), _fresh_headers(client, "citydisp")
    assert client.get("/api/v1/me", headers=first).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=first).status_code == 204
    refused = client.get("/api/v1/me", headers=first)
    assert refused.status_code == 401 and "已退出登录" in refused.json()["message"]
    assert client.get("/api/v1/me", headers=second).status_code == 200  # another sign-in goes on


def test_the_consoles_sign_out_ends_its_token_not_only_the_cookie(client) -> None:
    from tests.web.conftest import ConsoleUser

    user = ConsoleUser(client, "dh_disp")
    token = user.client.cookies.get("minsheng_session")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    user.get("/queue")
    assert user.post("/logout", htmx=False).status_code == 303
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    user.close()


def test_revoked_tokens_are_swept_once_they_would_have_expired(db) -> None:
    from sqlalchemy import func, select

    from minsheng.api.deps import signer
    from minsheng.directory.models import RevokedToken
    from minsheng.directory.security import do_revoke_token

    tokens = [signer().issue(1), signer().issue(2)]
    now = datetime.now(UTC)  # tokens carry the real time of issue (the suite's clock may be a fake)
    with db.session() as s:
        do_revoke_token(s, signer(), tokens[0], now=now)
        do_revoke_token(s, signer(), tokens[0], now=now)  # twice: one row
    later = now + timedelta(seconds=get_settings().token_ttl_seconds + 5)
    with db.session() as s:
        do_revoke_token(s, signer(), tokens[1], now=later)
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(RevokedToken)) == 1


def _fresh_headers(client, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    import time

    time.sleep(1.01)  # tokens carry their second of issue: a later second makes a different token
    token = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_a_failed_sign_in_leaves_the_citizen_pages_longer_window_alone(db) -> None:
    from sqlalchemy import func, select

    from minsheng.attempts import key_of
    from minsheng.integrations.models import LookupFailure

    now = utcnow()
    with db.session() as s:  # citizen look-ups 20 minutes ago: inside their hour, outside sign-in's 15 minutes
        s.add_all([LookupFailure(scope="ip", key_hash=key_of("ip", "10.0.0.7"), at=now - timedelta(minutes=20))
                   for _ in range(5)])
    with pytest.raises(Unauthorized):
        sign_in(db, "citydisp", "guess", "10.0.0.7", now=now)
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(LookupFailure).where(LookupFailure.scope == "ip")) == 5
