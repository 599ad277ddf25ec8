"""Leaving with the centre's decision, adding a unit later, reopening: each member's clocks follow."""

from __future__ import annotations

from datetime import datetime, timedelta

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


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_co_unit_asks_to_leave_and_the_centre_decides(client, login, db, fake_clock) -> None:
    cid = new_case(client, login)
    form(client, login, cid)
    group_call(client, login, "zfj", cid, "sign")
    assert group_call(client, login, "zjj", cid, "leave", expect=409, reason="不归我们管")["code"] == "conflict"
    assert group_call(client, login, "zfj", cid, "leave", expect=422, reason="")["field"] == "reason"
    group = group_call(client, login, "zfj", cid, "leave", reason="油烟问题已由生态环境部门处理")
    leave = member(group, "ZFJ")["leave"]
    assert leave["status"] == "pending" and "leave" not in group["can"]
    assert group_call(client, login, "zfj", cid, "leave", expect=409, reason="再次申请")["code"] == "conflict"
    asked = notifications(db, "group_leave_requested")
    assert len(asked) == 1 and asked[0]["to"]["unit"] == "SZZX" and asked[0]["params"]["unit"] == "ZFJ"

    # only the centre decides; refusing needs a reason
    path = "members/ZFJ/leave-decision"
    assert group_call(client, login, "zjj", cid, path, expect=403, approve=True)["code"] == "forbidden"
    assert group_call(client, login, "citydisp", cid, path, expect=422, approve=False)["field"] == "note"
    group = group_call(client, login, "supervisor", cid, path, approve=False, note="占道经营仍需执法局处理")
    assert member(group, "ZFJ")["leave"]["status"] == "refused" and member(group, "ZFJ")["active"]
    group = group_call(client, login, "zfj", cid, "leave", reason="占道已清理，申请退出")
    fake_clock.advance(minutes=5)
    group = group_call(client, login, "citydisp", cid, path, approve=True)
    left = member(group, "ZFJ")
    assert not left["active"] and left["left_at"] is not None
    assert all(c["state"] in ("met", "cancelled") for c in left["clocks"])
    assert client.get(f"/api/v1/cases/{cid}", headers=login("zfj")).status_code == 404  # no longer its case
    assert [n["params"]["approve"] for n in notifications(db, "group_leave_decided")] == [False, True]
    assert group_call(client, login, "citydisp", cid, path, expect=409, approve=True)["code"] == "conflict"

    # the unit that left is no longer waited for
    group_call(client, login, "zjj", cid, "sign")
    group_call(client, login, "dh_disp", cid, "sign")
    group_call(client, login, "dh_disp", cid, "part", text="现场已处理")
    case = detail(client, login, "citydisp", cid)
    assert "feedback" not in case["allowed_actions"]
    group = group_call(client, login, "zjj", cid, "feedback", text="联合答复")
    assert [p["unit"] for p in group["joint"]["parts"]] == ["ZX-DH"]


def test_the_centre_adds_a_unit_later_and_its_clock_starts_then(client, login, db, fake_clock) -> None:
    cid = new_case(client, login)
    group = form(client, login, cid, members=("ZX-DH",))
    lead_due = _at(member(group, "ZJJ")["sign_due_at"])
    fake_clock.advance(minutes=30)
    assert group_call(client, login, "zjj", cid, "members", expect=403, unit="ZFJ")["code"] == "forbidden"
    group = group_call(client, login, "citydisp", cid, "members", expect=201, unit="ZFJ", reason="涉及占道经营")
    added = member(group, "ZFJ")
    assert added["reason"] == "涉及占道经营" and added["role"] == "co"
    assert _at(added["sign_due_at"]) - lead_due == (_at(added["joined_at"]) - _at(group["formed_at"]))
    assert (_at(added["joined_at"]) - _at(group["formed_at"])).total_seconds() == 1800
    assert [n["to"]["unit"] for n in notifications(db, "group_joined")][-1] == "ZFJ"
    assert group_call(client, login, "citydisp", cid, "members", expect=409, unit="ZFJ")["code"] == "conflict"
    assert detail(client, login, "citydisp", cid)["timeline"][-1]["action"] == "group_add"
    assert "sign" in ok(client.get(f"/api/v1/cases/{cid}/group", headers=login("zfj")))["can"]


def test_a_unit_that_left_can_be_added_back(client, login) -> None:
    cid = new_case(client, login)
    form(client, login, cid)
    group_call(client, login, "zfj", cid, "sign")
    group_call(client, login, "zfj", cid, "leave", reason="不涉及本单位")
    group_call(client, login, "citydisp", cid, "members/ZFJ/leave-decision", approve=True)
    group = group_call(client, login, "citydisp", cid, "members", expect=201, unit="ZFJ", reason="复查发现仍涉及")
    back = member(group, "ZFJ")
    assert back["active"] and back["signed_at"] is None and back["leave"] is None
    assert len([m for m in group["members"] if m["unit"] == "ZFJ"]) == 1


def test_reopening_a_closed_group_case_restarts_every_members_clocks(client, login, fake_clock) -> None:
    cid = new_case(client, login)
    form(client, login, cid, members=("ZFJ",))
    group_call(client, login, "zjj", cid, "sign")
    group_call(client, login, "zfj", cid, "sign")
    group_call(client, login, "zfj", cid, "part", text="已查处")
    group_call(client, login, "zjj", cid, "feedback", text="已办结")
    case_action(client, login, "citydisp", cid, "approve")
    case_action(client, login, "calltaker", cid, "callback", rating="unsatisfied", comment="油烟还在")
    fake_clock.advance(hours=3)
    case = case_action(client, login, "calltaker", cid, "reopen", reason="群众不满意")
    group = case["extra"]["group"]
    assert group["status"] == "active" and group["joint"] is None
    for m in group["members"]:
        assert m["signed_at"] is None and m["part_at"] is None
        assert _at(m["clock_started_at"]) == _at(case["assigned_at"])
    assert "sign" in ok(client.get(f"/api/v1/cases/{cid}/group", headers=login("zfj")))["can"]


def test_suspension_moves_the_running_member_deadlines(client, login, fake_clock) -> None:
    cid = new_case(client, login)
    group = form(client, login, cid, members=("ZFJ", "ZX-DH"))
    group_call(client, login, "zfj", cid, "sign")
    before = {m["unit"]: (m["sign_due_at"], m["part_due_at"]) for m in group["members"]}
    group_call(client, login, "zjj", cid, "sign")
    case_action(client, login, "zjj", cid, "suspend", reason="等待业主提供材料")
    assert all(c["state"] == "paused" for c in member(ok(client.get(
        f"/api/v1/cases/{cid}/group", headers=login("citydisp"))), "ZX-DH")["clocks"])
    fake_clock.advance(hours=1)
    group = case_action(client, login, "zjj", cid, "resume")["extra"]["group"]
    dh, zfj = member(group, "ZX-DH"), member(group, "ZFJ")
    assert (_at(dh["sign_due_at"]) - _at(before["ZX-DH"][0])).total_seconds() == 3600  # unsigned: moved
    assert zfj["sign_due_at"] == before["ZFJ"][0]  # already signed: untouched
    assert (_at(zfj["part_due_at"]) - _at(before["ZFJ"][1])).total_seconds() == 3600


def test_a_co_unit_missing_its_sign_clock_is_warned_breached_and_counted(client, login, db, fire) -> None:
    cid = new_case(client, login)
    form(client, login, cid)  # a normal-track case: sign-for within 2 working hours (09:00 on a Wednesday)
    group_call(client, login, "zjj", cid, "sign")
    group_call(client, login, "dh_disp", cid, "sign")
    assert fire(timedelta(minutes=100)) >= 1  # the 80% warning of ZFJ's sign-for clock
    warned = [n for n in notifications(db, "sla_warning") if n["params"]["unit"] == "ZFJ"]
    assert warned and warned[0]["to"] == {"kind": "unit", "unit": "ZFJ", "roles": ["handler", "town_dispatcher"]}
    fire(timedelta(minutes=25))
    breached = [n for n in notifications(db, "sla_breach") if n["params"]["unit"] == "ZFJ"]
    assert {n["to"]["unit"] for n in breached} == {"ZFJ", "SZZX"}  # the unit and its supervising centre
    case = detail(client, login, "citydisp", cid)
    assert case["overdue"] and case["escalated"] and case["level"] == "city"
    assert case["timeline"][-1]["action"] == "escalate" and "签收超时" in case["timeline"][-1]["note"]
    zfj = member(case["extra"]["group"], "ZFJ")
    assert zfj["overdue"] and zfj["clocks"][0]["state"] == "overdue"
    group_call(client, login, "zfj", cid, "sign")  # late
    rates = ok(client.get("/api/v1/stats/sla", params={"by": "unit", "stage": "sign"}, headers=login("citydisp")))
    by_unit = {r["unit"]: r for r in rates["totals"]}
    assert (by_unit["ZFJ"]["total"], by_unit["ZFJ"]["on_time"]) == (1, 0)  # its group work counts against it
    assert (by_unit["ZX-DH"]["total"], by_unit["ZX-DH"]["on_time"]) == (1, 1)
    assert (by_unit["ZJJ"]["total"], by_unit["ZJJ"]["on_time"]) == (1, 1)
