"""Who directs a case (cases.service.commands_case) and what action bodies may name: a unit below
the city centre reassigns, suspends, escalates and merges only cases handled in its subtree, hands
them only to units in its subtree, dispatches only the teams it commands and merges only into
cases it can see. On SQLite and PostgreSQL."""

from __future__ import annotations

from tests.cases.test_views import act, create

DH_TOWN, ZD_TOWN = "330482001", "330482002"
DH_VILLAGE = "330482001001"


def _dh_case(client, login) -> int:  # type: ignore[no-untyped-def]
    cid = create(client, login("calltaker"))["id"]
    act(client, login("citydisp"), cid, "assign", unit="ZX-DH")
    return int(cid)


def test_a_town_hands_its_case_to_a_village_of_its_own_but_not_to_another_town(client, login) -> None:
    dh = login("dh_disp")
    cid = _dh_case(client, login)
    resp = client.post(f"/api/v1/cases/{cid}/actions/assign", json={"unit": "ZX-ZD"}, headers=dh)
    assert resp.status_code == 422 and resp.json()["field"] == "unit", resp.text
    assert "退单" in resp.json()["message"]
    assert client.get(f"/api/v1/cases/{cid}", headers=dh).json()["unit"] == "ZX-DH"
    assert act(client, dh, cid, "assign", unit=DH_VILLAGE)["unit"] == DH_VILLAGE


def test_a_town_sees_a_departments_case_in_its_town_but_does_not_direct_it(client, login) -> None:
    dh, zjj = login("dh_disp"), login("zjj")
    cid = create(client, login("calltaker"), town=DH_TOWN)["id"]
    act(client, login("citydisp"), cid, "assign", unit="ZJJ")
    act(client, zjj, cid, "sign")
    seen = client.get(f"/api/v1/cases/{cid}", headers=dh)
    assert seen.status_code == 200  # the town sees what happens in it
    assert not {"assign", "suspend", "escalate", "merge"} & set(seen.json()["allowed_actions"])
    for action, body in (("assign", {"unit": DH_VILLAGE}), ("suspend", {"reason": "暂缓"}),
                         ("escalate", {"reason": "提级"})):
        resp = client.post(f"/api/v1/cases/{cid}/actions/{action}", json=body, headers=dh)
        assert resp.status_code == 403, (action, resp.text)
    assert "suspend" in client.get(f"/api/v1/cases/{cid}", headers=zjj).json()["allowed_actions"]


def test_a_town_directs_a_case_not_yet_handed_to_a_unit_that_lies_in_its_town(client, login) -> None:
    dh, zd = login("dh_disp"), login("zd_disp")
    cid = create(client, login("calltaker"), town=DH_TOWN)["id"]
    assert "assign" in client.get(f"/api/v1/cases/{cid}", headers=dh).json()["allowed_actions"]
    assert client.get(f"/api/v1/cases/{cid}", headers=zd).status_code == 404
    assert act(client, dh, cid, "assign", unit=DH_VILLAGE)["unit"] == DH_VILLAGE


def test_merging_into_a_case_the_actor_cannot_see_is_refused_without_naming_it(client, login) -> None:
    ct, city, dh = login("calltaker"), login("citydisp"), login("dh_disp")
    hidden = create(client, ct, town=ZD_TOWN, address="钟埭街道")
    act(client, city, hidden["id"], "assign", unit="ZX-ZD")
    cid = _dh_case(client, login)
    resp = client.post(f"/api/v1/cases/{cid}/actions/merge", json={"master_case_id": hidden["id"]}, headers=dh)
    assert resp.status_code == 422 and resp.json()["field"] == "master_case_id", resp.text
    assert hidden["number"] not in resp.text
    visible = _dh_case(client, login)
    assert act(client, dh, cid, "merge", master_case_id=visible)["merged"]


def test_a_town_dispatches_its_own_teams_only(client, login, team_status) -> None:
    dh = login("dh_disp")
    cid = _dh_case(client, login)
    act(client, dh, cid, "sign")
    resp = client.post(f"/api/v1/cases/{cid}/actions/dispatch_team", json={"team": "T-ZD-1"}, headers=dh)
    assert resp.status_code == 422 and resp.json()["field"] == "team", resp.text
    assert team_status("T-ZD-1") == "on_duty"
    act(client, dh, cid, "dispatch_team", team="T-DH-1")
    assert team_status("T-DH-1") == "en_route"


def test_a_department_dispatches_the_teams_of_the_cases_town(client, login, team_status) -> None:
    """A city department has no teams of its own: it sends the town's (as the console offers)."""
    zjj = login("zjj")
    cid = create(client, login("calltaker"), town=DH_TOWN)["id"]
    act(client, login("citydisp"), cid, "assign", unit="ZJJ")
    act(client, zjj, cid, "sign")
    resp = client.post(f"/api/v1/cases/{cid}/actions/dispatch_team", json={"team": "T-ZD-1"}, headers=zjj)
    assert resp.status_code == 422, resp.text
    act(client, zjj, cid, "dispatch_team", team="T-DH-2")
    assert team_status("T-DH-2") == "en_route"


def test_the_team_a_department_sent_reports_arrival_and_feeds_back(client, login) -> None:
    """A department has no teams: it sends the town's, whose members must be able to act on it."""
    zjj, team = login("zjj"), login("dh_team")
    cid = create(client, login("calltaker"), town=DH_TOWN)["id"]
    act(client, login("citydisp"), cid, "assign", unit="ZJJ")
    act(client, zjj, cid, "sign")
    act(client, zjj, cid, "dispatch_team", team="T-DH-1")
    assert act(client, team, cid, "arrive")["status"] == "on_site"
    assert act(client, team, cid, "feedback", text="已到场处置完毕")["status"] == "replied"
