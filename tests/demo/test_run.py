"""The demo on both backends: a small run through the real service, checked for mix and coherence."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from minsheng.cases.models import STAGE_TIMESTAMPS, Case, CaseEvent
from minsheng.clock import SystemClock, get_clock, set_clock
from minsheng.db import Database
from minsheng.demo.run import run_demo
from minsheng.demo.users import DEMO_USERS, read_passwords
from minsheng.directory.models import User
from minsheng.directory.security import authenticate
from minsheng.settings import get_settings


@pytest.fixture
def real_clock():
    previous = get_clock()
    set_clock(SystemClock())  # the demo fills the past up to now
    yield
    set_clock(previous)


def _events(db: Database) -> tuple[list[Case], dict[int, list[CaseEvent]]]:
    with db.read_session() as s:
        cases = list(s.scalars(select(Case).order_by(Case.id)))
        events: dict[int, list[CaseEvent]] = defaultdict(list)
        for e in s.scalars(select(CaseEvent).order_by(CaseEvent.id)):
            events[e.case_id].append(e)
    return cases, events


def test_demo_run_fills_a_coherent_history(db: Database, real_clock: None, capsys: pytest.CaptureFixture[str]) -> None:
    run_demo(cases=200, feed_seconds=0, serve=False)
    out = capsys.readouterr().out
    cases, events = _events(db)
    assert len(cases) == 200

    channels = Counter(c.channel for c in cases)
    assert set(channels) == {"12345", "110", "app", "web", "open311", "walk_in"}
    statuses = Counter(c.status for c in cases)
    assert statuses["closed"] > 100
    open_stages = {s for s in statuses if s != "closed"}
    assert len(open_stages) >= 3, statuses
    assert any(c.overdue for c in cases)
    assert any(c.overdue and c.status != "closed" for c in cases)
    assert any(c.reopen_count > 0 for c in cases)
    assert any(c.rating for c in cases)
    assert len({c.town_code for c in cases if c.town_code}) >= 8
    assert len({c.category_code for c in cases if c.category_code}) >= 20
    spread = max(c.created_at for c in cases) - min(c.created_at for c in cases)
    assert spread.days >= 45

    for case in cases:
        timeline = events[case.id]
        assert timeline[0].action == "create" and timeline[0].to_status == "received"
        assert timeline[0].at == case.created_at
        for before, after in itertools.pairwise(timeline):
            assert before.at <= after.at, (case.number, before.action, after.action)
            if after.from_status is not None:
                assert after.from_status == before.to_status, (case.number, before.action, after.action)
        assert timeline[-1].to_status == case.status
        assert case.updated_at == timeline[-1].at
        stamps = [getattr(case, name) for name in STAGE_TIMESTAMPS if getattr(case, name) is not None]
        assert stamps == sorted(stamps) and all(s >= case.created_at for s in stamps), case.number
        assert (case.closed_at is not None) == (case.status == "closed"), case.number
        actions = [e.action for e in timeline]
        if case.reopen_count:
            assert "reopen" in actions
        if case.status == "closed" and not case.merged:
            assert {"approve", "answer_directly", "close"} & set(actions)

    # the users printed are the users that exist, and their printed passwords sign in
    passwords = read_passwords(Path(get_settings().var_dir) / "demo-users.txt")
    assert set(passwords) == {u.username for u in DEMO_USERS}
    with db.read_session() as s:
        for username, password in passwords.items():
            assert authenticate(s, username, password).username == username
            assert username in out and password in out
        assert s.scalars(select(User).where(User.username == "duiyuan")).one().team_code == "T-DH-1"


def test_restart_skips_history_and_keeps_passwords(db: Database, real_clock: None,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    run_demo(cases=30, feed_seconds=0, serve=False)
    first = read_passwords(Path(get_settings().var_dir) / "demo-users.txt")
    capsys.readouterr()
    run_demo(cases=30, feed_seconds=0, serve=False)
    out = capsys.readouterr().out
    assert "跳过历史数据生成" in out
    assert read_passwords(Path(get_settings().var_dir) / "demo-users.txt") == first
    with db.read_session() as s:
        assert len(s.scalars(select(Case.id)).all()) == 30
    assert oct((Path(get_settings().var_dir) / "demo-users.txt").stat().st_mode & 0o777) == "0o600"


def test_past_cases_are_routed_when_written_even_with_the_background_router(
        db: Database, real_clock: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """As shipped (MINSHENG_ROUTING_ASYNC=true) the history still routes each past case at its own
    time, with the whole model: nothing is left for a background router to route today."""
    from minsheng.routing.tables import RoutingQueue

    monkeypatch.setenv("MINSHENG_ROUTING_ASYNC", "true")
    get_settings.cache_clear()
    run_demo(cases=30, feed_seconds=0, serve=False)
    assert get_settings().routing_async is True  # the setting is the process's again afterwards
    with db.read_session() as s:
        assert s.scalars(select(RoutingQueue.case_id)).all() == []
        stages = {(c.suggestions or {}).get("stage") for c in s.scalars(select(Case))}
    assert stages == {"full"}
