"""Duty board, roster editing, nearest-team dispatch and the team member's phone view."""

from __future__ import annotations

from typing import Any


def _signed_case(client: Any, login: Any, **body: Any) -> int:
    payload = {"channel": "12345", "content": "当湖街道路面塌陷，有车辆陷入", "address": "当湖街道"} | body
    case_id = int(client.post("/api/v1/cases", json=payload, headers=login("calltaker")).json()["id"])
    client.post(f"/api/v1/cases/{case_id}/actions/assign", json={"unit": "ZX-DH"}, headers=login("citydisp"))
    client.post(f"/api/v1/cases/{case_id}/actions/sign", json={}, headers=login("dh_disp"))
    return case_id


def test_town_board_shows_only_its_teams_and_edits_roster(console: Any) -> None:
    town = console("dh_disp")
    page = town.get("/teams")
    assert page.status_code == 200
    assert "当湖民声一键办一队" in page.text and "钟埭民声一键办队" not in page.text
    resp = town.post("/teams/T-DH-1/shifts", {"member_name": "张三", "role": "leader",
                                              "starts_at": "2026-11-25T08:00", "ends_at": "2026-11-25T20:00"})
    assert resp.status_code == 200 and "已为 张三 排班" in resp.text
    assert "在班 1 人" in resp.text  # the fake clock stands at 09:00 Shanghai
    resp = town.post("/teams/T-DH-1/shifts", {"member_name": "张三", "role": "member",
                                              "starts_at": "2026-11-25T10:00", "ends_at": "2026-11-25T12:00"})
    assert resp.status_code == 422 and "已有班次" in resp.text
    resp = town.post("/teams/T-ZD-1/status", {"status": "off_duty"})
    assert resp.status_code == 404 or resp.status_code == 403


def test_off_duty_team_is_ranked_last_and_not_offered(console: Any, client: Any, login: Any) -> None:
    case_id = _signed_case(client, login, lng=121.031, lat=30.689)  # next to T-DH-2's base
    town = console("dh_disp")
    page = town.get(f"/cases/{case_id}").text
    assert page.index('data-team="T-DH-2"') < page.index('data-team="T-DH-1"')
    town.post("/teams/T-DH-2/status", {"status": "off_duty"})
    page = town.get(f"/cases/{case_id}").text
    assert 'data-team="T-DH-2"' not in page and 'data-team="T-DH-1"' in page


def test_dispatch_then_team_member_arrives_and_feeds_back(console: Any, client: Any, login: Any,
                                                         team_status: Any) -> None:
    case_id = _signed_case(client, login)
    town = console("dh_disp")
    town.get(f"/cases/{case_id}")
    resp = town.post(f"/cases/{case_id}/act/dispatch_team", {"team": "T-DH-1"})
    assert resp.status_code == 200 and "已派遣队伍" in resp.text
    assert team_status("T-DH-1") == "en_route"
    member = console("dh_team")
    assert member.landing == "/m"
    page = member.get("/m")
    assert 'data-action="arrive"' in page.text and 'data-action="feedback"' not in page.text
    resp = member.post(f"/m/tasks/{case_id}/arrive")
    assert resp.status_code == 200 and 'data-action="feedback"' in resp.text
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    resp = member.post(f"/m/tasks/{case_id}/feedback", {"text": "已设置围挡，路政到场抢修"},
                       files={"photo": ("scene.png", png, "image/png")})
    assert resp.status_code == 200, resp.text
    assert "已反馈结果" in resp.text and "暂无任务" in resp.text
    detail = client.get(f"/api/v1/cases/{case_id}", headers=login("citydisp")).json()
    assert detail["status"] == "replied" and len(detail["attachments"]) == 1
    assert team_status("T-DH-1") == "on_duty"


def test_a_shift_beyond_the_platforms_years_is_refused_in_chinese(console: Any) -> None:
    town = console("dh_disp")
    resp = town.post("/teams/T-DH-1/shifts", {"member_name": "张三", "role": "member",
                                              "starts_at": "0001-01-01T00:00", "ends_at": "0001-01-01T05:00"})
    assert resp.status_code == 422 and "时间须在 1970 年至 2199 年之间" in resp.text


def test_missing_or_malformed_shift_fields_are_chinese_flashes(console: Any) -> None:
    town = console("dh_disp")
    town.get("/teams")
    resp = town.post("/teams/T-DH-1/shifts", {"starts_at": "2026-11-25T08:00"})  # member_name, ends_at missing
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("text/html")
    assert resp.headers["HX-Retarget"] == "#flash" and "成员姓名：不能为空" in resp.text
    resp = town.post("/teams/T-DH-1/shifts", {"member_name": "张" * 65, "starts_at": "2026-11-25T08:00",
                                              "ends_at": "2026-11-25T20:00"})
    assert resp.status_code == 422 and "成员姓名：不能超过 64 个字" in resp.text
