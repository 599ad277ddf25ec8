"""Reassigning (改派) a signed case: after a raise the commanding level hands it to another unit."""

from __future__ import annotations

from tests.cases.test_views import act, create


def test_a_signed_case_raised_to_the_city_is_reassigned_and_signed_afresh(client, login) -> None:
    village, town, city = login("village"), login("dh_disp"), login("citydisp")
    cid = create(client, login("calltaker"))["id"]
    act(client, city, cid, "assign", unit="330482001001")
    act(client, village, cid, "sign")
    act(client, village, cid, "escalate", reason="村里协调不了")
    act(client, town, cid, "escalate", reason="涉及市级部门")
    detail = act(client, city, cid, "assign", unit="ZJJ", note="由住建局办理")
    assert detail["status"] == "assigned" and detail["unit"] == "ZJJ" and detail["signed_at"] is None
    assert detail["level"] == "city"
    assert [e["action"] for e in detail["timeline"]] == ["create", "assign", "sign", "escalate", "escalate",
                                                         "assign"]
    assert detail["timeline"][-1]["from_status"] == "signed"
    assert client.get(f"/api/v1/cases/{cid}", headers=village).status_code == 404  # no longer its case
    assert act(client, login("zjj"), cid, "sign")["status"] == "signed"


def test_a_handler_cannot_reassign_and_a_team_on_the_way_blocks_reassigning(client, login) -> None:
    town, city = login("dh_disp"), login("citydisp")
    cid = create(client, login("calltaker"))["id"]
    act(client, city, cid, "assign", unit="ZX-DH")
    act(client, town, cid, "sign")
    zfj_case = create(client, login("calltaker"))["id"]
    act(client, city, zfj_case, "assign", unit="ZFJ")
    act(client, login("zfj"), zfj_case, "sign")
    assert act(client, login("zfj"), zfj_case, "assign", expect=403, unit="ZJJ")["code"] == "forbidden"
    act(client, town, cid, "dispatch_team", team="T-DH-1")
    assert act(client, city, cid, "assign", expect=409, unit="ZJJ")["code"] == "conflict"
