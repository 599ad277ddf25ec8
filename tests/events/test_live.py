"""Who may see an announcement (pure), and the PostgreSQL LISTEN loop feeding the broker."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from minsheng.directory.actors import Actor
from minsheng.events.live import ViewerScope, listen_forever, viewer_scope
from minsheng.events.publish import CHANNEL, Broker, announce, packed

CASE_IN_DH = {"unit": "330482001001", "command_unit": "ZX-DH", "town": "330482001", "team": None}


def test_city_sees_everything_team_sees_only_its_team() -> None:
    assert ViewerScope(everything=True).sees(CASE_IN_DH)
    team = ViewerScope(everything=False, team="T-DH-1")
    assert not team.sees(CASE_IN_DH)
    assert team.sees(CASE_IN_DH | {"team": "T-DH-1"})
    assert not ViewerScope(everything=False, team="").sees(CASE_IN_DH | {"team": ""})


def test_town_sees_its_units_and_its_town_only() -> None:
    dh = ViewerScope(everything=False, units=frozenset({"ZX-DH", "330482001001"}), town="330482001")
    zd = ViewerScope(everything=False, units=frozenset({"ZX-ZD"}), town="330482002")
    assert dh.sees(CASE_IN_DH) and not zd.sees(CASE_IN_DH)
    assert dh.sees({"unit": None, "command_unit": "SZZX", "town": "330482001"})
    assert not zd.sees({"unit": "ZFJ", "command_unit": "SZZX", "town": None})


def test_saw_uses_the_fields_before_the_change() -> None:
    zfj = ViewerScope(everything=False, units=frozenset({"ZFJ"}))
    moved = {"unit": "ZJJ", "command_unit": "SZZX", "town": None, "was": {"unit": "ZFJ", "command_unit": "SZZX"}}
    assert not zfj.sees(moved) and zfj.saw(moved)
    assert not zfj.saw({"unit": "ZJJ"})


def test_viewer_scope_matches_case_scope(db: Any, actors: dict[str, Actor]) -> None:
    with db.read_session() as s:
        assert viewer_scope(s, actors["citydisp"]).everything
        dh = viewer_scope(s, actors["dh_disp"])
        assert dh.town == "330482001" and "ZX-DH" in dh.units and "330482001001" in dh.units
        assert viewer_scope(s, actors["zfj"]).units == frozenset({"ZFJ"})
        assert viewer_scope(s, actors["dh_team"]).team == "T-DH-1"


@contextlib.contextmanager
def listening(db: Any) -> Iterator[queue.Queue[Any]]:
    """A LISTEN loop feeding a broker for the block; the subscriber's inbox, once it listens."""
    target, stop, ready = Broker(), threading.Event(), threading.Event()
    inbox = target.subscribe()
    thread = threading.Thread(target=listen_forever, args=(db.url, target, stop),
                              kwargs={"poll_seconds": 0.1, "on_ready": ready.set}, daemon=True)
    thread.start()
    try:
        assert ready.wait(10)
        yield inbox
    finally:
        stop.set()
        thread.join(5)


@pytest.mark.postgres_only
def test_listener_delivers_committed_notifications_only(db: Any, backend: str) -> None:
    with listening(db) as inbox:
        with db.session() as s:
            announce(s, "case", 41, status="received")
        try:
            with db.session() as s:
                announce(s, "case", 42, status="received")
                s.execute(text("SELECT 1"))
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        deadline = time.monotonic() + 5
        got: list[Any] = []
        while time.monotonic() < deadline and not got:
            time.sleep(0.05)
            while not inbox.empty():
                got.append(inbox.get_nowait())
        time.sleep(0.3)
        while not inbox.empty():
            got.append(inbox.get_nowait())
        assert [m["case_id"] for m in got] == [41]


@pytest.mark.postgres_only
def test_a_burst_of_announcements_is_packed_and_every_one_arrives_in_order(db: Any) -> None:
    with listening(db) as inbox:
        with db.session() as s:
            for case_id in range(1, 301):  # ~100 bytes each: several packs of at most 7,000 bytes
                announce(s, "case", case_id, status="received", number=f"2026120300{case_id:03d}", town="萧山")
        got: list[Any] = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(got) < 300:
            time.sleep(0.05)
            while not inbox.empty():
                got.append(inbox.get_nowait())
        assert [m["case_id"] for m in got] == list(range(1, 301))


def test_packs_stay_under_the_notify_limit_and_other_channels_pass_as_they_are() -> None:
    messages = [(CHANNEL, json.dumps({"case_id": i, "pad": "x" * 150})) for i in range(200)]
    packs = packed([*messages[:100], ("minsheng_timers", ""), *messages[100:]])
    assert ("minsheng_timers", "") in packs
    bodies = [payload for channel, payload in packs if channel == CHANNEL]
    assert len(bodies) > 1 and all(len(b.encode()) < 8000 for b in bodies)
    assert [m["case_id"] for b in bodies for m in json.loads(b)] == list(range(200))
