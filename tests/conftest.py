"""Fixtures for the whole suite: every database test runs on SQLite and on PostgreSQL.

PostgreSQL: 127.0.0.1:5432, user postgres (override with MINSHENG_TEST_PG_URL). Each test session
creates its own database and drops it at the end. Under CI=true a missing PostgreSQL fails the run;
elsewhere its half of the tests is skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import delete, insert, select, text

import minsheng.models  # noqa: F401
from minsheng import clock as clock_module
from minsheng.api import deps
from minsheng.cases import numbers
from minsheng.clock import FakeClock
from minsheng.db import Base, Database, set_db
from minsheng.directory.actors import Actor
from minsheng.directory.config import demo_config_dir, load_city_config
from minsheng.directory.loader import load_city
from minsheng.directory.models import Team, User
from minsheng.directory.security import actor_for, hash_password
from minsheng.migrate import upgrade
from minsheng.settings import get_settings

PG_ADMIN_URL = os.environ.get("MINSHENG_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "test-password"
# username → (role, unit, team)
USERS: dict[str, tuple[str, str, str | None]] = {
    "calltaker": ("call_taker", "SZZX", None),
    "citydisp": ("city_dispatcher", "SZZX", None),
    "supervisor": ("supervisor", "SZZX", None),
    "leader": ("leader", "SZZX", None),
    "admin": ("admin", "SZZX", None),
    "dh_disp": ("town_dispatcher", "ZX-DH", None),
    "zd_disp": ("town_dispatcher", "ZX-ZD", None),
    "zfj": ("handler", "ZFJ", None),
    "zjj": ("handler", "ZJJ", None),
    "village": ("handler", "330482001001", None),
    "dh_team": ("team_member", "ZX-DH", "T-DH-1"),
    # proposals: the centre's editor, the leaders of two departments (approve their units' replies)
    "editor": ("editor", "SZZX", None),
    "zjj_leader": ("leader", "ZJJ", None),
    "zfj_leader": ("leader", "ZFJ", None),
}


def pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


_PG_OK: bool | None = None


def require_pg() -> None:
    global _PG_OK
    if _PG_OK is None:
        _PG_OK = pg_available()
    if not _PG_OK:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true and is not reachable at {PG_ADMIN_URL}",
                        pytrace=False)
        pytest.skip("PostgreSQL not reachable (set up 127.0.0.1:5432 or run `make test`)")


def _create_pg_database() -> tuple[str, Callable[[], None]]:
    name = f"minsheng_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


class Prepared:
    """A migrated database with the Pinghu configuration and one user per role, and a snapshot of
    those rows so that each test can start from exactly this state."""

    def __init__(self, url: str, drop: Callable[[], None] | None) -> None:
        self.url, self.drop = url, drop
        upgrade(url)
        self.db = Database(url)
        now = clock_module.utcnow()
        password_hash = hash_password(PASSWORD)
        with self.db.session() as s:
            load_city(s, load_city_config(demo_config_dir()), now=now)
            for username, (role, unit, team) in USERS.items():
                s.add(User(username=username, display_name=username, password_hash=password_hash, role=role,
                           unit_code=unit, team_code=team, created_at=now))
        self.snapshot: dict[str, list[dict[str, Any]]] = {}
        with self.db.read_session() as s:
            for table in Base.metadata.sorted_tables:
                rows = [dict(r._mapping) for r in s.execute(select(table))]
                if rows:
                    self.snapshot[table.name] = rows

    def reset(self) -> None:
        tables = Base.metadata.sorted_tables
        numbers.forget_reserved()  # the counters are emptied below
        with self.db.session() as s:
            if self.db.is_postgres:
                names = ", ".join(f'"{t.name}"' for t in tables)
                s.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(tables):
                    s.execute(delete(table))
            for table in tables:
                if table.name in self.snapshot:
                    s.execute(insert(table), self.snapshot[table.name])
                    if self.db.is_postgres and "id" in table.c:  # RESTART IDENTITY went back to 1
                        s.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                       f'(SELECT max(id) FROM "{table.name}"))'))

    def close(self) -> None:
        self.db.dispose()
        if self.drop:
            self.drop()


_prepared: dict[str, Prepared] = {}


@pytest.fixture(scope="session")
def _sqlite_prepared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prepared]:
    path = tmp_path_factory.mktemp("db") / "minsheng.db"
    prepared = Prepared(f"sqlite:///{path}", None)
    yield prepared
    prepared.close()


@pytest.fixture(scope="session")
def _pg_prepared() -> Iterator[Prepared]:
    require_pg()
    url, drop = _create_pg_database()
    prepared = Prepared(url, drop)
    yield prepared
    prepared.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        require_pg()
    return str(request.param)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A PostgreSQL-only test is not collected for SQLite at all (deselected, not skipped)."""
    keep, drop = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        on_sqlite = params is not None and params.params.get("backend") == "sqlite"
        (drop if on_sqlite and item.get_closest_marker("postgres_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def fake_clock() -> Iterator[FakeClock]:
    fake = FakeClock()
    previous = clock_module.get_clock()
    clock_module.set_clock(fake)
    yield fake
    clock_module.set_clock(previous)


@pytest.fixture
def db(backend: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
       fake_clock: FakeClock) -> Iterator[Database]:
    prepared: Prepared = request.getfixturevalue("_pg_prepared" if backend == "postgresql" else "_sqlite_prepared")
    prepared.reset()
    from minsheng.routing import runtime

    runtime.forget_routers()  # the routing rules an earlier test stored are gone with its data
    monkeypatch.setenv("MINSHENG_DATABASE_URL", prepared.url)
    monkeypatch.setenv("MINSHENG_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("MINSHENG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MINSHENG_SECRET_KEY", "test-secret-key-not-for-production")
    monkeypatch.setenv("MINSHENG_DISPATCH_IN_PROCESS", "false")  # tests deliver the outbox explicitly
    # routing's automatic assignment is off unless a test turns it on (tests/routing): every other
    # test starts its cases from `received` and routes them itself
    monkeypatch.setenv("MINSHENG_AUTO_ASSIGN_THRESHOLD", "2")
    # routing on the request's path, so a test sees its case's route when the intake answers; the
    # background router (the default) is tested in tests/routing/test_refiner.py and the bench tests
    monkeypatch.setenv("MINSHENG_ROUTING_ASYNC", "false")
    get_settings.cache_clear()
    deps.reset_auth_caches()
    set_db(prepared.db)
    yield prepared.db
    set_db(None)
    get_settings.cache_clear()
    deps.reset_auth_caches()


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    with db.read_session() as s:
        return {u.username: actor_for(s, u) for u in s.scalars(select(User))}


@pytest.fixture
def app(db: Database) -> Any:
    from minsheng.app import create_app

    return create_app()


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def login(client: Any) -> Callable[[str], dict[str, str]]:
    """login('citydisp') → Authorization headers for that demo user."""
    cache: dict[str, dict[str, str]] = {}

    def _login(username: str) -> dict[str, str]:
        if username not in cache:
            resp = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            assert resp.status_code == 200, resp.text
            cache[username] = {"Authorization": f"Bearer {resp.json()['access_token']}"}
        return cache[username]

    return _login


@pytest.fixture
def team_status(db: Database) -> Callable[[str], str]:
    def _status(code: str) -> str:
        with db.read_session() as s:
            team = s.get(Team, code)
            assert team is not None
            return team.status

    return _status
