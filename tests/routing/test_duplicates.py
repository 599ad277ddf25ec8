"""Duplicates proposed on intake, and merged duplicates closing with their master."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.cases.service import do_action, do_create_case

FIRST = "水洞埭社区门口窨井盖缺失，夜里有人差点踩空"
AGAIN = "水洞埭社区门口的窨井盖没了，晚上很危险，有人差点掉下去"


def new(db: Any, actor: Any, content: str, address: str = "", **extra: Any) -> Any:
    with db.session() as s:
        case = do_create_case(s, CaseCreate(channel="12345", content=content, address=address, **extra), actor)
        return case.id, case.number, case.suggestions


def test_the_same_problem_at_the_same_place_is_proposed(db, actors, routed) -> None:
    ct = actors["calltaker"]
    first, number, _ = new(db, ct, FIRST)
    other_place, _, _ = new(db, ct, "钟埭街道沪杭路口窨井盖缺失，夜里有人差点踩空", "钟埭街道沪杭路")
    other_problem, _, _ = new(db, ct, "水洞埭社区门口路灯不亮，夜里很黑")
    _, _, s = new(db, ct, AGAIN)
    assert s["category"] == "SZ02" and s["village"] == "330482001001"
    assert [(d["id"], d["number"]) for d in s["duplicates"]] == [(first, number)]
    assert 0.3 <= s["duplicates"][0]["score"] <= 1
    assert other_place != other_problem  # created, and not proposed


def test_same_specific_address_or_nearby_coordinates_count_as_the_same_place(db, actors, routed) -> None:
    ct = actors["calltaker"]
    text = "路边窨井盖缺失，夜里有人差点踩空"
    by_address, _, _ = new(db, ct, text, "当湖街道胜利路88号")
    by_point, _, _ = new(db, ct, text, lng=121.0150, lat=30.7000)
    _, _, s = new(db, ct, "路边窨井盖没了，有人差点踩空", "当湖街道胜利路88号")
    assert [d["id"] for d in s["duplicates"]] == [by_address]
    _, _, s = new(db, ct, "路边窨井盖没了，有人差点踩空", lng=121.0160, lat=30.7005)  # ~110 m away
    assert [d["id"] for d in s["duplicates"]] == [by_point]
    _, _, s = new(db, ct, "路边窨井盖没了，有人差点踩空", lng=121.0300, lat=30.7100)  # ~1.8 km away
    assert s["duplicates"] == []
    _, _, s = new(db, ct, "路边窨井盖没了，有人差点踩空", "当湖街道")  # a town is not a place
    assert s["duplicates"] == []


def test_closed_and_old_cases_are_not_proposed(db, actors, routed, fake_clock) -> None:
    ct = actors["calltaker"]
    closed, _, _ = new(db, ct, FIRST)
    with db.session() as s:
        do_action(s, closed, "answer_directly", ActionBody(text="已修复"), ct)
    old, _, _ = new(db, ct, FIRST)
    fake_clock.advance(hours=73)
    later, _, s = new(db, ct, AGAIN)
    assert s["duplicates"] == []
    _, _, s = new(db, ct, FIRST)
    assert [d["id"] for d in s["duplicates"]] == [later]  # not the closed one, nor the one 73 h old
    assert old != later


def test_a_merged_duplicate_closes_with_its_master_and_gets_its_answer(db, actors, routed) -> None:
    ct, city, zjj, sup = actors["calltaker"], actors["citydisp"], actors["zjj"], actors["supervisor"]
    master, _, _ = new(db, ct, FIRST)
    dup, _, s = new(db, ct, AGAIN)
    assert s["duplicates"][0]["id"] == master
    with db.session() as session:
        do_action(session, dup, "merge", ActionBody(master_case_id=s["duplicates"][0]["id"]), city)
        do_action(session, master, "assign", ActionBody(unit="ZJJ"), city)
        do_action(session, master, "sign", ActionBody(), zjj)
        do_action(session, master, "feedback", ActionBody(text="已补装窨井盖"), zjj)
        do_action(session, master, "approve", ActionBody(), sup)
    with db.read_session() as session:
        from minsheng.cases.models import Case

        merged = session.get(Case, dup)
        assert merged is not None and (merged.status, merged.public_answer) == ("closed", "已补装窨井盖")


def test_one_look_up_for_a_batch_finds_what_each_look_up_would(db, actors, fake_clock) -> None:
    from minsheng.routing.duplicates import DuplicateQuery, find_duplicates, find_duplicates_many

    ct = actors["calltaker"]
    texts = ["路边窨井盖缺失，夜里有人差点踩空", "窨井盖没了，晚上很危险", "路灯不亮，夜里很黑", "路灯坏了一个星期"]
    places = [dict(town="330482001", village="330482001001"), dict(address="当湖街道胜利路88号"),
              dict(lng=121.0150, lat=30.7000), dict(lng=121.0160, lat=30.7005), dict(town="330482002")]
    ids = []
    for i in range(24):
        category = ("SZ02", "SZ01")[i % 2]
        ids.append(new(db, ct, texts[i % 4], category=category, **places[i % 5])[0])
        fake_clock.advance(hours=4)
    with db.session() as s:
        do_action(s, ids[5], "answer_directly", ActionBody(text="已处理"), ct)  # closed: never proposed
    now = fake_clock.now()
    point = (30.7002, 121.0155)
    queries = [(DuplicateQuery(texts[i % 4], ("SZ02", "SZ01", "")[i % 3], "330482001001" if i % 2 else None,
                               "当湖街道胜利路88号" if i % 3 == 0 else "", *(point if i % 4 else (None, None)),
                               ids[i] if i % 5 else None), now - timedelta(hours=3 * i))
               for i in range(20)]
    with db.read_session() as s:
        one_by_one = [find_duplicates(s, q, now=at, window_hours=72, radius_m=200) for q, at in queries]
        together = find_duplicates_many(s, queries, window_hours=72, radius_m=200)
    assert together == one_by_one
    assert sum(1 for found in together if found) >= 4  # the batch found something to compare


def test_proposed_duplicates_are_shown_only_to_viewers_who_may_see_them(client, login, routed) -> None:
    """The suggestions name other cases and quote them: a unit sees only those in its own scope."""
    from tests.cases.test_views import act, create

    ct, city, zjj = login("calltaker"), login("citydisp"), login("zjj")
    first = create(client, ct, content=FIRST, address="")["id"]
    act(client, city, first, "assign", unit="ZFJ")
    second = create(client, ct, content=AGAIN, address="")["id"]
    act(client, city, second, "assign", unit="ZJJ")
    as_centre = client.get(f"/api/v1/cases/{second}", headers=city).json()["suggestions"]["duplicates"]
    assert [d["id"] for d in as_centre] == [first]
    assert client.get(f"/api/v1/cases/{first}", headers=zjj).status_code == 404
    as_zjj = client.get(f"/api/v1/cases/{second}", headers=zjj).json()["suggestions"]
    assert as_zjj["duplicates"] == [] and as_zjj["category"] == "SZ02"  # the rest of the suggestion stays
