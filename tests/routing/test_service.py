"""Routing on the intake path, end to end through the API and the console, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from minsheng.cases.intake import IntakeDecision, do_intake
from minsheng.cases.schemas import CaseCreate
from minsheng.cases.service import do_create_case
from minsheng.routing.runtime import current_router
from minsheng.routing.service import suggest
from minsheng.settings import get_settings
from minsheng.sla.models import SlaClock
from tests.web.conftest import ConsoleUser

MANHOLE = {"channel": "12345", "content": "当湖街道水洞埭社区门口窨井盖缺失，夜里有人差点踩空",
           "address": "当湖街道水洞埭社区", "citizen_phone": "13812345678"}


def create(client: Any, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    resp = client.post("/api/v1/cases", json={**MANHOLE, **overrides}, headers=headers)
    assert resp.status_code == 201, resp.text
    detail = client.get(f"/api/v1/cases/{resp.json()['id']}", headers=headers)
    assert detail.status_code == 200, detail.text
    return dict(detail.json())


def test_a_confident_case_is_assigned_at_once_and_its_clock_starts(db, client, login, auto_assign,
                                                                   fake_clock) -> None:
    case = create(client, login("citydisp"))
    s = case["suggestions"]
    assert (s["category"], s["unit"], s["town"], s["village"]) == ("SZ02", "ZJJ", "330482001", "330482001001")
    assert s["confidence"] >= auto_assign and s["auto_assign"] is True
    assert s["top"][0]["category"] == "SZ02" and len(s["top"]) == 3
    assert all(t["unit"] for t in s["top"])
    assert (case["status"], case["unit"], case["category"], case["track"]) == ("assigned", "ZJJ", "SZ02", "urgent")
    assert (case["town"], case["village"]) == ("330482001", "330482001001")
    assert [(e["action"], e["actor_name"]) for e in case["timeline"]] == [("create", "citydisp"),
                                                                          ("assign", "智能派单")]
    assert case["assigned_at"] == case["created_at"]  # the sign-for clock starts with the case
    assert "置信度" in case["timeline"][1]["note"]
    sign = next(k for k in case["clocks"] if k["stage"] == "sign")
    assert sign["unit"] == "ZJJ" and sign["state"] == "ok"
    with db.read_session() as session:
        started = session.scalars(select(SlaClock.started_at).where(
            SlaClock.case_id == case["id"], SlaClock.stage == "sign")).one()
    assert started == fake_clock.now()


def test_below_the_threshold_it_waits_in_the_queue_with_the_top_three(client, login) -> None:
    city = login("citydisp")
    case = create(client, city)
    s = case["suggestions"]
    assert s["auto_assign"] is False and s["threshold"] == 2
    assert case["status"] == "received" and case["unit"] is None
    assert (case["category"], case["town"]) == ("SZ02", "330482001")  # filled, to be confirmed
    queue = client.get("/api/v1/cases", params={"status": "received"}, headers=city).json()["items"]
    assert [c["id"] for c in queue] == [case["id"]]
    # one click: the dispatcher takes the suggested unit
    resp = client.post(f"/api/v1/cases/{case['id']}/actions/assign", json={"unit": s["unit"]}, headers=city)
    assert resp.status_code == 200 and resp.json()["unit"] == "ZJJ"


def test_what_the_caller_gives_is_kept(client, login, auto_assign) -> None:
    case = create(client, login("citydisp"), category="CG01", town="330482002")
    assert (case["category"], case["town"], case["village"]) == ("CG01", "330482002", None)
    assert case["status"] == "received"  # the caller's category is not the model's: people decide
    s = case["suggestions"]
    assert s["category"] == "SZ02" and s["town"] == "330482002" and s["auto_assign"] is False


def test_a_town_handled_request_without_a_town_goes_to_the_centre_by_hand(client, login, auto_assign) -> None:
    case = create(client, login("citydisp"), content="路中间有一段被风刮倒的临时围挡横在路上，车辆只能绕行，请尽快清理",
                  address="")
    s = case["suggestions"]
    assert s["category"] == "JC06" and s["town"] is None
    assert (s["unit"], s["unit_reason"]) == ("SZZX", "no_town")
    assert case["status"] == "received" and s["auto_assign"] is False


def test_the_same_request_with_its_town_goes_to_the_sub_centre(client, login, auto_assign) -> None:
    case = create(client, login("citydisp"), content="独山港镇经三路中间有一段被风刮倒的临时围挡横在路上，车辆只能绕行",
                  address="独山港镇经三路")
    assert (case["suggestions"]["unit"], case["status"], case["unit"]) == ("ZX-DSG", "assigned", "ZX-DSG")
    assert case["level"] == "town"


def test_a_consultation_is_left_for_the_centre_to_answer(client, login, auto_assign) -> None:
    text = "来电咨询新生儿办理出生医学证明和医保参保需要哪些材料"
    case = create(client, login("calltaker"), content=text, address="")
    assert case["suggestions"]["unit"] == "SZZX"
    assert case["status"] == "received"


def test_the_call_takers_own_decision_is_not_pre_empted(db, actors, auto_assign, routed) -> None:
    body = CaseCreate(**MANHOLE)
    with db.session() as s:
        answered = do_intake(s, body, IntakeDecision(then="answer", answer="已告知报修电话"), actors["calltaker"])
        assert answered.status == "closed" and answered.suggestions is not None
        sent = do_intake(s, body, IntakeDecision(then="assign", unit="ZX-DH"), actors["calltaker"])
        assert (sent.status, sent.unit_code) == ("assigned", "ZX-DH")
        left = do_intake(s, body, IntakeDecision(), actors["calltaker"])
        assert (left.status, left.unit_code) == ("assigned", "ZJJ")


def test_every_intake_path_carries_suggestions(db, actors, routed) -> None:
    with db.session() as s:
        case = do_create_case(s, CaseCreate(channel="110", content="110转办：钟埭街道一家饭店油烟直排，邻居投诉",
                                            source_system="110", source_id="JJ-1"), actors["calltaker"])
        assert case.suggestions is not None and case.suggestions["category"] == "CG06"
        assert (case.category_code, case.town_code, case.track) == ("CG06", "330482002", "normal")


def test_live_suggestions_on_the_intake_form(client) -> None:
    taker = ConsoleUser(client, "calltaker")
    resp = taker.post("/intake/suggest", {"content": "水洞埭社区门口窨井盖缺失，夜里有人差点踩空", "address": ""})
    assert resp.status_code == 200
    assert "窨井盖缺失破损" in resp.text and "水洞埭社区" in resp.text and 'data-unit="ZJJ"' in resp.text
    taker.close()


def test_a_worker_whose_router_runs_elsewhere_suggests_live_with_the_fast_form(db, routed, monkeypatch) -> None:
    text = MANHOLE["content"]
    with db.read_session() as s:
        router = current_router(s)
        assert router is not None
        assert suggest(s, text)["stage"] == "full"  # the suite's setting: the whole model in this process
        monkeypatch.setenv("MINSHENG_ROUTING_ASYNC", "true")
        monkeypatch.setenv("MINSHENG_ROUTING_IN_PROCESS", "false")
        get_settings.cache_clear()

        def whole_model(*_: Any) -> None:
            raise AssertionError("the whole model ran in a web worker")

        monkeypatch.setattr(type(router.model.classifier), "decision", whole_model)
        live = suggest(s, text)
    assert live is not None and live["stage"] == "fast"
    fast = router.suggest(text, fast=True)
    assert [t["category"] for t in live["top"]] == [c for c, _ in fast.top]
    assert live["unit"] == "ZJJ"


def test_the_case_page_offers_the_top_three_and_the_duplicates_one_click_each(client, login) -> None:
    first = create(client, login("calltaker"))
    case = create(client, login("calltaker"), content="水洞埭社区门口的窨井盖没了，晚上很危险，有人差点掉下去")
    assert [d["id"] for d in case["suggestions"]["duplicates"]] == [first["id"]]
    dispatcher = ConsoleUser(client, "citydisp")
    page = dispatcher.get(f"/cases/{case['id']}").text
    assert page.count("采纳派单") == 3 and 'data-accept="SZ02"' in page and "窨井盖缺失破损" in page
    assert f'data-merge="{first["id"]}"' in page and "按类别的承办部门" in page
    resp = dispatcher.post(f"/cases/{case['id']}/act/assign", {"unit": "ZJJ", "category": "SZ02"})
    assert resp.status_code == 200 and "采纳派单" not in resp.text
    assert client.get(f"/api/v1/cases/{case['id']}", headers=login("citydisp")).json()["unit"] == "ZJJ"
    resp = dispatcher.post(f"/cases/{first['id']}/act/merge", {"master_case_id": str(case["id"])})
    assert resp.status_code == 200
    dispatcher.close()



def test_with_routing_off_at_intake_the_case_waits_as_given(client, login, auto_assign, monkeypatch, request) -> None:
    from minsheng.settings import get_settings

    monkeypatch.setenv("MINSHENG_ROUTING_ON_INTAKE", "false")
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    case = create(client, login("citydisp"))
    assert not case["suggestions"]
    assert (case["status"], case["unit"], case["category"], case["town"]) == ("received", None, None, None)
    assert [e["action"] for e in case["timeline"]] == ["create"]


def test_a_batch_of_intakes_is_routed_as_single_intakes_are(db, actors, routed, auto_assign) -> None:
    from minsheng.cases.batch import do_create_cases

    bodies = [CaseCreate(**MANHOLE),
              CaseCreate(channel="12345", content="新埭镇鑫港村村口垃圾桶满了好几天没人清运，臭气熏天",
                         address="新埭镇鑫港村"),
              CaseCreate(channel="web", content="乍浦镇有人在海边偷倒建筑垃圾", address=""),
              CaseCreate(channel="12345", content="咨询一下社保卡补办要带什么材料", address="", category="CG01")]
    ct = actors["calltaker"]

    def route(case: Any) -> tuple[Any, ...]:
        s = case.suggestions
        return (s["category"], round(s["confidence"], 4), s["unit"], s["town"], s["village"], s["auto_assign"],
                case.status, case.unit_code, case.category_code, case.track)

    with db.session() as s:
        one_by_one = [route(do_create_case(s, body, ct)) for body in bodies]
    with db.session() as s:
        together = [route(case) for case in do_create_cases(s, [(body, ct) for body in bodies])]
    assert together == one_by_one
    assert one_by_one[0][6] == "assigned" and any(r[6] == "received" for r in one_by_one)
