"""The one-click group through the API, on SQLite and PostgreSQL: form, sign, parts, joint answer."""

from __future__ import annotations

from typing import Any

from minsheng.clock import FakeClock
from minsheng.db import Database
from tests.groups.helpers import (
    case_action,
    detail,
    form,
    group_call,
    member,
    new_case,
    notifications,
    ok,
)


def run_whole_flow(client: Any, login: Any, db: Database, clock: FakeClock) -> dict[str, Any]:
    """Propose → form → signs → parts → joint feedback → approve. Returns the closed case."""
    cid = new_case(client, login)
    proposal = ok(client.get(f"/api/v1/cases/{cid}/group/proposal", headers=login("citydisp")))
    assert proposal["lead"]["unit"] == "ZJJ" and "物业服务纠纷" in proposal["lead"]["reason"]
    proposed = {m["unit"]: m["reason"] for m in proposal["members"]}
    assert "油烟" in proposed["ZFJ"] and "占道" in proposed["ZFJ"]
    assert "属地" in proposed["ZX-DH"] and "330482001001" in proposed

    # the dispatcher leaves the community out and confirms
    group = form(client, login, cid, "ZJJ", ("ZFJ", "ZX-DH"), note="油烟、占道、物业三方联动")
    assert group["status"] == "active" and group["lead"] == "ZJJ"
    assert [(m["unit"], m["role"]) for m in group["members"]] == [("ZJJ", "lead"), ("ZFJ", "co"), ("ZX-DH", "co")]
    assert "油烟" in member(group, "ZFJ")["reason"]
    formed_at = group["formed_at"]
    for m in group["members"]:
        sign_clock = m["clocks"][0]
        assert sign_clock["stage"] == "sign" and sign_clock["state"] == "ok"
        assert m["joined_at"] == formed_at and m["sign_due_at"] is not None
    joined = notifications(db, "group_joined")
    assert sorted(n["to"]["unit"] for n in joined) == ["ZFJ", "ZJJ", "ZX-DH"]
    assert all(n["params"]["case_id"] == cid for n in joined)

    case = detail(client, login, "citydisp", cid)
    assert case["status"] == "assigned" and case["unit"] == "ZJJ" and case["group_id"] == group["id"]
    assert case["extra"]["group"]["members"][1]["unit"] == "ZFJ"
    assert case["timeline"][-1]["action"] == "group_form" and "协办单位" in case["timeline"][-1]["note"]

    # a co-unit sees the case and acts only through the group
    zfj_view = detail(client, login, "zfj", cid)
    assert zfj_view["allowed_actions"] == [] and zfj_view["extra"]["group"]["can"] == ["sign", "leave", "post"]
    assert cid in [c["id"] for c in ok(client.get("/api/v1/cases", headers=login("zfj")))["items"]]
    assert case_action(client, login, "zfj", cid, "sign", expect=403)["code"] == "forbidden"

    clock.advance(minutes=20)
    group = group_call(client, login, "zfj", cid, "sign")
    assert member(group, "ZFJ")["signed_at"] is not None
    assert detail(client, login, "citydisp", cid)["status"] == "assigned"  # the case waits for its lead
    clock.advance(minutes=10)
    group_call(client, login, "zjj", cid, "sign")
    assert detail(client, login, "citydisp", cid)["status"] == "signed"
    assert member(ok(client.get(f"/api/v1/cases/{cid}/group", headers=login("zjj"))), "ZJJ")["signed_at"]

    # the joint answer waits for every co-unit's part
    refused = group_call(client, login, "zjj", cid, "feedback", expect=409, text="已协调处理")
    assert "市综合行政执法局" in refused["message"] and "当湖街道综合信息指挥室" in refused["message"]
    assert case_action(client, login, "zjj", cid, "feedback", expect=409, text="绕过联合答复")["code"] == "conflict"
    assert group_call(client, login, "dh_disp", cid, "part", expect=409, text="已到现场")["message"].startswith(
        "请先签收")
    group_call(client, login, "zfj", cid, "part", text="已对饭店油烟直排立案查处，责令加装油烟净化器")
    group_call(client, login, "dh_disp", cid, "sign")
    group_call(client, login, "dh_disp", cid, "part", text="社区已约谈业主和物业，占道物品已清理")
    clock.advance(hours=2)
    group = group_call(client, login, "zjj", cid, "feedback", text="经三方联合处置，问题已解决")
    assert group["status"] == "answered"
    assert [p["unit"] for p in group["joint"]["parts"]] == ["ZFJ", "ZX-DH"]
    case = detail(client, login, "citydisp", cid)
    assert case["status"] == "replied"
    assert case["feedback_text"].startswith("经三方联合处置，问题已解决")
    assert "市综合行政执法局：已对饭店油烟直排立案查处" in case["feedback_text"]
    assert "当湖街道综合信息指挥室：社区已约谈业主和物业" in case["feedback_text"]

    # a co-unit cannot close the case; the centre approves and the group closes with it
    assert case_action(client, login, "zfj", cid, "approve", expect=403)["code"] == "forbidden"
    case = case_action(client, login, "supervisor", cid, "approve")
    assert case["status"] == "closed" and case["extra"]["group"]["status"] == "closed"
    actions = [e["action"] for e in case["timeline"]]
    assert actions == ["create", "assign", "group_form", "group_sign", "sign", "group_part", "group_sign",
                       "group_part", "feedback", "approve"]
    return case


def test_the_whole_group_flow(client, login, db, fake_clock) -> None:
    case = run_whole_flow(client, login, db, fake_clock)
    group = case["extra"]["group"]
    for m in group["members"]:
        assert [c["state"] for c in m["clocks"]] == ["met", "met"], m


def test_only_the_centre_forms_a_group_and_only_once(client, login) -> None:
    cid = new_case(client, login)
    assert form(client, login, cid, user="dh_disp", expect=403)["code"] == "forbidden"
    assert form(client, login, cid, user="supervisor", expect=403)["code"] == "forbidden"
    assert client.get(f"/api/v1/cases/{cid}/group/proposal", headers=login("zjj")).status_code == 404
    form(client, login, cid)
    assert form(client, login, cid, expect=409)["code"] == "conflict"


def test_forming_checks_the_units(client, login) -> None:
    cid = new_case(client, login)
    assert form(client, login, cid, lead="NOPE", expect=422)["field"] == "lead"
    assert form(client, login, cid, members=(), expect=422)["field"] == "members"
    assert form(client, login, cid, members=("ZJJ",), expect=422)["field"] == "members"  # only the lead
    body = form(client, login, cid, members=("ZFJ", "SZZX"), expect=422)
    assert body["field"] == "members" and "督办中心" in body["message"]
    assert client.post(f"/api/v1/cases/{cid}/group", json={"lead": "ZJJ", "members": ["ZFJ"], "x": 1},
                       headers=login("citydisp")).status_code == 422
    assert detail(client, login, "citydisp", cid)["status"] == "received"  # nothing was changed


def test_a_case_with_a_team_on_the_way_is_not_grouped(client, login) -> None:
    cid = new_case(client, login)
    case_action(client, login, "citydisp", cid, "assign", unit="ZX-DH")
    case_action(client, login, "dh_disp", cid, "sign")
    case_action(client, login, "dh_disp", cid, "dispatch_team", team="T-DH-1")
    assert form(client, login, cid, expect=409)["code"] == "conflict"


def test_a_signed_case_is_regrouped_under_a_new_lead_whose_clock_starts_afresh(client, login) -> None:
    cid = new_case(client, login)
    case_action(client, login, "citydisp", cid, "assign", unit="ZX-DH")
    case_action(client, login, "dh_disp", cid, "sign")
    group = form(client, login, cid, lead="ZJJ", members=("ZX-DH", "ZFJ"))
    case = detail(client, login, "citydisp", cid)
    assert case["status"] == "assigned" and case["unit"] == "ZJJ" and case["signed_at"] is None
    assert member(group, "ZX-DH")["signed_at"] is None


def test_group_cases_are_not_reassigned_or_returned(client, login) -> None:
    cid = new_case(client, login)
    form(client, login, cid)
    body = case_action(client, login, "citydisp", cid, "assign", expect=409, unit="ZFJ")
    assert "组群" in body["message"]
    assert "assign" not in detail(client, login, "citydisp", cid)["allowed_actions"]
    group_call(client, login, "zjj", cid, "sign")
    assert case_action(client, login, "zjj", cid, "return", expect=409, reason="不归我管")["code"] == "conflict"


def test_a_unit_outside_the_group_sees_nothing(client, login) -> None:
    cid = new_case(client, login)
    form(client, login, cid, members=("ZFJ",))
    zd = login("zd_disp")
    assert client.get(f"/api/v1/cases/{cid}", headers=zd).status_code == 404
    assert client.get(f"/api/v1/cases/{cid}/group", headers=zd).status_code == 404
    assert client.post(f"/api/v1/cases/{cid}/group/sign", headers=zd).status_code == 404
    assert client.get(f"/api/v1/cases/{cid}/group", headers=login("dh_disp")).status_code == 200  # its town
    assert group_call(client, login, "dh_disp", cid, "sign", expect=403)["code"] == "forbidden"  # not a member
    assert group_call(client, login, "leader", cid, "sign", expect=403)["code"] == "forbidden"


def test_members_sign_once_and_the_lead_cannot_record_a_part(client, login) -> None:
    cid = new_case(client, login)
    form(client, login, cid)
    group_call(client, login, "zfj", cid, "sign")
    assert group_call(client, login, "zfj", cid, "sign", expect=409)["message"] == "本单位已签收"
    group_call(client, login, "zjj", cid, "sign")
    assert group_call(client, login, "zjj", cid, "part", expect=409, text="牵头意见")["code"] == "conflict"


def test_a_lead_signing_through_the_case_action_is_the_group_sign(client, login) -> None:
    cid = new_case(client, login)
    form(client, login, cid)
    case_action(client, login, "zjj", cid, "sign")
    group = ok(client.get(f"/api/v1/cases/{cid}/group", headers=login("zjj")))
    assert member(group, "ZJJ")["signed_at"] is not None and "sign" not in group["can"]


def test_parts_are_revised_until_the_joint_answer_and_reopened_by_a_rejection(client, login) -> None:
    cid = new_case(client, login)
    form(client, login, cid, members=("ZFJ",))
    group_call(client, login, "zjj", cid, "sign")
    group_call(client, login, "zfj", cid, "sign")
    group_call(client, login, "zfj", cid, "part", text="初步意见")
    group = group_call(client, login, "zfj", cid, "part", text="修改后的意见")
    assert member(group, "ZFJ")["part_text"] == "修改后的意见"
    group_call(client, login, "zjj", cid, "feedback", text="联合答复")
    assert group_call(client, login, "zfj", cid, "part", expect=409, text="再改")["code"] == "conflict"
    case_action(client, login, "supervisor", cid, "reject", reason="答复不完整")
    group = group_call(client, login, "zfj", cid, "part", text="补充：已复查")
    assert group["status"] == "active" and "part" in group["can"]
    group_call(client, login, "zjj", cid, "feedback", text="补充后的联合答复")
    case = case_action(client, login, "citydisp", cid, "approve")
    assert "补充：已复查" in case["public_answer"]
