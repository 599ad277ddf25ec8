"""The background router (MINSHENG_ROUTING_ASYNC): new cases carry the model's fast suggestion at
once, are queued by their intake and routed by the whole model, and auto-assigned when confident,
after commit; nothing queued is lost to a failure."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError

from minsheng.cases.models import Case, CaseEvent
from minsheng.routing import refiner
from minsheng.routing.refiner import route_queued
from minsheng.routing.tables import RoutingQueue
from minsheng.settings import get_settings
from minsheng.sla.models import SlaClock
from tests.routing.test_service import MANHOLE


@pytest.fixture
def async_routing(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSHENG_ROUTING_ASYNC", "true")
    get_settings.cache_clear()


def post(client: Any, headers: dict[str, str], **overrides: Any) -> int:
    resp = client.post("/api/v1/cases", json={**MANHOLE, **overrides}, headers=headers)
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def case_of(db: Any, case_id: int) -> Case:
    with db.read_session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        s.expunge(case)
        return case


def queued(db: Any) -> list[int]:
    with db.read_session() as s:
        return list(s.scalars(select(RoutingQueue.case_id).order_by(RoutingQueue.case_id)))


def test_a_case_is_routed_and_assigned_after_its_intake_commits(db, client, login, async_routing, auto_assign,
                                                                fake_clock) -> None:
    cid = post(client, login("calltaker"))
    received = case_of(db, cid)
    first = received.suggestions or {}
    # the fast form's suggestion at once: it fills the case but never assigns it
    assert (first["stage"], first["category"], first["auto_assign"], first["duplicates"]) == ("fast", "SZ02", False, [])
    assert (received.status, received.category_code, received.town_code) == ("received", "SZ02", "330482001")
    assert queued(db) == [cid]
    fake_clock.advance(0.4)
    assert route_queued(db) == 1
    routed = case_of(db, cid)
    s = routed.suggestions or {}
    assert (s["stage"], s["category"], s["unit"], s["auto_assign"]) == ("full", "SZ02", "ZJJ", True)
    assert s["routed_at"] == fake_clock.now().isoformat()
    assert (routed.status, routed.unit_code, routed.category_code, routed.track) == ("assigned", "ZJJ", "SZ02",
                                                                                    "urgent")
    assert (routed.town_code, routed.village_code) == ("330482001", "330482001001")
    with db.read_session() as session:
        timeline = session.execute(select(CaseEvent.action, CaseEvent.actor_name).where(CaseEvent.case_id == cid)
                                   .order_by(CaseEvent.id)).all()
        started = session.scalars(select(SlaClock.started_at).where(SlaClock.case_id == cid,
                                                                    SlaClock.stage == "sign")).one()
    assert [tuple(t) for t in timeline] == [("create", "calltaker"), ("assign", "智能派单")]
    assert started == fake_clock.now()  # the sign-for clock starts when the router assigns
    assert queued(db) == [] and route_queued(db) == 0


def test_below_the_threshold_the_suggestions_arrive_and_duplicates_are_earlier_cases(db, client, login,
                                                                                    async_routing) -> None:
    ct = login("calltaker")
    # category and place given at intake: the cases are already searchable by them when routed
    given = {"category": "SZ02", "town": "330482001", "village": "330482001001"}
    first, second = post(client, ct, **given), post(client, ct, citizen_phone="13900000000", **given)
    assert route_queued(db) == 2
    one, two = case_of(db, first), case_of(db, second)
    assert one.status == two.status == "received"  # the suite's threshold is above 1: people decide
    assert (one.suggestions or {})["duplicates"] == []
    assert [d["id"] for d in (two.suggestions or {})["duplicates"]] == [first]


def test_an_earlier_case_of_the_batch_is_found_by_what_the_router_filled_in(db, client, login,
                                                                             async_routing) -> None:
    ct = login("calltaker")  # no category given: the fast form fills one, the router takes it back, refills
    first = post(client, ct)
    again = "水洞埭社区门口的窨井盖没了，晚上很危险，有人差点掉下去"
    second = post(client, ct, citizen_phone="13900000000", content=again)
    assert route_queued(db) == 2  # one batch, one look-up for both
    assert [d["id"] for d in (case_of(db, second).suggestions or {})["duplicates"]] == [first]
    assert (case_of(db, first).suggestions or {})["duplicates"] == []


def test_a_case_the_router_fails_on_does_not_hold_the_others(db, client, login, async_routing, auto_assign,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    ct = login("calltaker")
    ids = [post(client, ct) for _ in range(3)]
    real = refiner.auto_assign_many

    def failing(session: Any, cases: list[Case], now: Any) -> None:
        if any(case.id == ids[1] for case in cases):
            raise RuntimeError("boom")
        real(session, cases, now)

    monkeypatch.setattr(refiner, "auto_assign_many", failing)
    assert route_queued(db) == 3
    assert [case_of(db, i).status for i in ids] == ["assigned", "received", "assigned"]
    assert (case_of(db, ids[1]).suggestions or {})["stage"] == "fast"  # its savepoint was rolled back
    with db.read_session() as s:
        assert s.scalar(select(RoutingQueue.attempts).where(RoutingQueue.case_id == ids[1])) == 1
    monkeypatch.setattr(refiner, "auto_assign_many", real)
    assert route_queued(db) == 1 and case_of(db, ids[1]).status == "assigned" and queued(db) == []


def _can_write(db: Any, case_id: int) -> bool:
    """Whether someone else could change the case at once (no lock held on it, nor on the database)."""
    if db.is_postgres:
        try:
            with db.session() as s:
                s.execute(text("SET LOCAL lock_timeout = '300ms'"))
                s.execute(update(Case).where(Case.id == case_id).values(priority=Case.priority))
            return True
        except OperationalError:
            return False
    conn = sqlite3.connect(db.url.split("///", 1)[1], timeout=0.3)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.rollback()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def test_the_model_runs_before_the_router_locks_anything(db, client, login, async_routing, auto_assign,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A dispatcher acting on a case while the router's model reads it waits for no lock: the
    router runs at idle CPU priority, and under load its model may take a while."""
    from minsheng.routing.router import Router

    cid = post(client, login("calltaker"))
    real = Router.suggest_many
    free: list[bool] = []

    def suggest_many(self: Router, requests: list[tuple[str, str]], k: int = 3, fast: bool = False) -> Any:
        free.append(_can_write(db, cid))
        return real(self, requests, k, fast)

    monkeypatch.setattr(Router, "suggest_many", suggest_many)
    assert route_queued(db) == 1
    assert free == [True]  # the whole model ran once, on the text read before the batch was locked
    routed = case_of(db, cid)
    assert routed.status == "assigned" and (routed.suggestions or {})["stage"] == "full"


def test_a_text_changed_after_the_model_read_it_is_routed_again(db, client, login, async_routing,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from minsheng.routing.router import Router

    cid = post(client, login("calltaker"))
    real = Router.suggest_many
    read: list[list[tuple[str, str]]] = []

    def suggest_many(self: Router, requests: list[tuple[str, str]], k: int = 3, fast: bool = False) -> Any:
        read.append(list(requests))
        if len(read) == 1:  # a call-taker corrects the text while the router's model runs
            with db.session() as s:
                s.execute(update(Case).where(Case.id == cid).values(content="来电人询问公积金提取需要哪些材料"))
        return real(self, requests, k, fast)

    monkeypatch.setattr(Router, "suggest_many", suggest_many)
    assert route_queued(db) == 1
    assert [texts[0][0] for texts in read] == [MANHOLE["content"], "来电人询问公积金提取需要哪些材料"]
    assert (case_of(db, cid).suggestions or {})["category"] != "SZ02"


def test_a_router_killed_mid_batch_leaves_the_queue_as_it_was(db, client, login, async_routing,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cid = post(client, login("calltaker"))

    def killed(*args: Any, **kwargs: Any) -> bool:
        raise SystemExit("killed")  # not an Exception: nothing in the router catches it

    monkeypatch.setattr(refiner, "route_cases", killed)
    with pytest.raises(SystemExit):
        route_queued(db)
    assert queued(db) == [cid] and (case_of(db, cid).suggestions or {})["stage"] == "fast"


def test_the_refined_route_replaces_what_the_fast_form_filled(db, client, login, async_routing,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A first suggestion the whole model disagrees with: its category and track are taken back and
    the refined ones filled (no clock runs yet: the sign-for clock starts on assignment)."""
    from minsheng.routing import service

    cid = post(client, login("calltaker"))
    assert case_of(db, cid).track == "urgent"  # SZ02, the manhole cover, from the fast form
    real, real_unfill = refiner.route_cases, service.unfill
    left: list[tuple[str | None, str]] = []

    def unfill(case: Case) -> None:
        real_unfill(case)
        left.append((case.category_code, case.track))

    def consult(session: Any, cases: list[Case], routed_at: Any = None, **kwargs: Any) -> bool:
        done = real(session, cases, routed_at, **kwargs)
        for case in cases:
            case.category_code, case.track = "ZX01", "consult"
        return done

    monkeypatch.setattr(service, "unfill", unfill)
    monkeypatch.setattr(refiner, "route_cases", consult)
    assert route_queued(db) == 1
    assert left == [(None, "normal")]  # what unfill left: no category, the intake's own track
    routed = case_of(db, cid)
    assert (routed.category_code, routed.track, routed.status) == ("ZX01", "consult", "received")
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(SlaClock).where(SlaClock.case_id == cid)) == 0


def test_without_a_model_the_router_leaves_the_fast_suggestion_and_the_row(db, client, login, async_routing,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from minsheng.routing import service

    cid = post(client, login("calltaker"))
    monkeypatch.setattr(service, "current_router", lambda session: None)  # e.g. its file unreadable here
    assert route_queued(db) == 1
    case = case_of(db, cid)
    assert (case.category_code, case.track, (case.suggestions or {})["stage"]) == ("SZ02", "urgent", "fast")
    assert queued(db) == [cid]


def test_a_person_who_acted_on_the_fast_suggestion_keeps_the_case(db, client, login, async_routing,
                                                                  auto_assign) -> None:
    cid = post(client, login("calltaker"))
    resp = client.post(f"/api/v1/cases/{cid}/actions/assign", json={"unit": "ZFJ"}, headers=login("citydisp"))
    assert resp.status_code == 200, resp.text
    assert route_queued(db) == 1
    case = case_of(db, cid)
    assert (case.status, case.unit_code, case.category_code) == ("assigned", "ZFJ", "SZ02")
    assert (case.suggestions or {})["stage"] == "full"  # the console shows the refined suggestion


@pytest.mark.postgres_only
def test_two_routers_share_the_queue_and_route_each_case_once(db, client, login, async_routing,
                                                              auto_assign) -> None:
    ct = login("calltaker")
    ids = [post(client, ct, content=f"当湖街道水洞埭社区门口窨井盖缺失，第{i}处") for i in range(24)]
    errors: list[BaseException] = []

    def drain() -> None:
        try:
            while route_queued(db, limit=4):
                pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and queued(db) == []
    with db.read_session() as s:
        assigns = s.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id.in_(ids), CaseEvent.action == "assign"))
    assert assigns == len(ids)


def test_the_app_runs_a_router_that_wakes_on_its_own_intakes(db, app, login, async_routing, client) -> None:
    stop = refiner.start_in_process(None)
    assert stop is not None
    try:
        cid = post(client, login("calltaker"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and refiner.unrefined(case_of(db, cid)):
            time.sleep(0.05)
        assert (case_of(db, cid).suggestions or {})["stage"] == "full" and queued(db) == []
    finally:
        stop()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_router_process_wakes_on_another_process_s_intake(db, async_routing) -> None:
    """On PostgreSQL a router of its own (`minsheng router run`) LISTENs for the intakes' announcements
    (its own process commits none, so only a notification can wake it before its next poll)."""
    from minsheng.events.publish import announce

    stop = threading.Event()
    listener = threading.Thread(target=refiner._listen_for_intakes, args=(db.url, stop), daemon=True)
    listener.start()
    try:
        time.sleep(1.0)  # LISTEN registered
        refiner.wakeup.clear()
        with db.session() as s:  # what another process's routing announces: not a reason to wake
            announce(s, "case", 1, action="route", status="received")
        assert not refiner.wakeup.wait(1.5)
        with db.session() as s:  # what another process's intake announces
            announce(s, "case", 2, action="create", status="received")
        assert refiner.wakeup.wait(10)
    finally:
        stop.set()
        listener.join(5)
        refiner.wakeup.clear()
