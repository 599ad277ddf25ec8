"""Three levels: village → town sub-centre → city centre → a group; every raise keeps the history."""

from __future__ import annotations

from datetime import datetime

from minsheng import domains
from minsheng.cases.schemas import ActionBody
from minsheng.cases.service import do_action
from minsheng.directory.actors import system_actor
from tests.groups.helpers import case_action, detail, form, group_call, new_case, ok


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_village_report_goes_up_the_ladder_and_the_city_forms_a_group(client, login, fake_clock) -> None:
    cid = new_case(client, login, channel="app")
    case = case_action(client, login, "citydisp", cid, "assign", unit="330482001001")
    assert (case["level"], case["command_unit"]) == ("village", "ZX-DH")
    case_action(client, login, "village", cid, "sign")
    fake_clock.advance(hours=1)
    case = case_action(client, login, "village", cid, "escalate", reason="涉及执法和物业，社区协调不了")
    assert (case["level"], case["command_unit"], case["escalated"]) == ("town", "ZX-DH", True)
    assert case["unit"] == "330482001001"  # the village still holds it while the town looks at it
    fake_clock.advance(hours=1)
    case = case_action(client, login, "dh_disp", cid, "escalate", reason="需要市级部门联合处置")
    assert (case["level"], case["command_unit"]) == ("city", "SZZX")
    raised_at = _at(case["timeline"][-1]["at"])

    proposal = ok(client.get(f"/api/v1/cases/{cid}/group/proposal", headers=login("citydisp")))
    village = next(m for m in proposal["members"] if m["unit"] == "330482001001")
    assert "原承办单位" in village["reason"] and "属地" in village["reason"]
    fake_clock.advance(minutes=15)
    group = form(client, login, cid, lead="ZJJ", members=("ZFJ", "ZX-DH", "330482001001"))
    assert (_at(group["formed_at"]) - raised_at).total_seconds() == 900

    case = detail(client, login, "citydisp", cid)
    assert (case["level"], case["unit"], case["status"]) == ("city", "ZJJ", "assigned")
    assert [(e["action"], e["from_status"], e["to_status"]) for e in case["timeline"]] == [
        ("create", None, "received"), ("assign", "received", "assigned"), ("sign", "assigned", "signed"),
        ("escalate", "signed", "signed"), ("escalate", "signed", "signed"), ("assign", "signed", "assigned"),
        ("group_form", "assigned", "assigned")]
    assert [e["data"].get("to_level") for e in case["timeline"][3:5]] == ["town", "city"]
    # the village, now a co-unit, still sees the whole history of its report
    village_view = detail(client, login, "village", cid)
    assert len(village_view["timeline"]) == 7 and village_view["extra"]["group"]["my_unit"] == "330482001001"
    assert group_call(client, login, "village", cid, "sign")["members"][3]["signed_at"] is not None


def test_a_town_raise_without_a_sign_and_a_clock_raise_use_the_same_escalation(client, login, db) -> None:
    cid = new_case(client, login)
    case_action(client, login, "citydisp", cid, "assign", unit="330482001001")
    case_action(client, login, "village", cid, "escalate", reason="社区无法处置")
    # the SLA worker raises a missed clock with the same core action, as the system actor
    domains.load_listeners()
    with db.session() as s:
        do_action(s, cid, "escalate", ActionBody(reason="签收超时，自动提级"), system_actor())
    case = detail(client, login, "citydisp", cid)
    assert (case["level"], case["status"]) == ("city", "assigned")
    form(client, login, cid, lead="ZJJ", members=("330482001001",))
    case = detail(client, login, "citydisp", cid)
    assert [e["action"] for e in case["timeline"]] == ["create", "assign", "escalate", "escalate", "assign",
                                                       "group_form"]
    # a group case at the city level may still be raised by its clocks: it stays with the centre
    with db.session() as s:
        do_action(s, cid, "escalate", ActionBody(reason="组群签收超时"), system_actor())
    case = detail(client, login, "citydisp", cid)
    assert (case["level"], case["command_unit"], case["group_id"]) == ("city", "SZZX", case["extra"]["group"]["id"])
