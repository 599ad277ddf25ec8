"""The queue page: per-role scope, columns, and the login redirect."""

from __future__ import annotations

from typing import Any


def _create(client: Any, login: Any, **body: Any) -> dict[str, Any]:
    payload = {"channel": "12345", "content": "路灯不亮了，晚上很黑", "address": "当湖街道"} | body
    resp = client.post("/api/v1/cases", json=payload, headers=login("calltaker"))
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def test_queue_requires_login(client: Any) -> None:
    resp = client.get("/queue", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/login?next=/queue"


def test_queue_shows_new_case_to_city_and_only_town_cases_to_town(client: Any, login: Any, console: Any) -> None:
    case = _create(client, login)
    other = _create(client, login, content="钟埭有人乱倒垃圾", address="钟埭街道")
    city = console("citydisp")
    page = city.get("/queue")
    assert page.status_code == 200
    assert case["number"] in page.text and other["number"] in page.text
    resp = client.post(f"/api/v1/cases/{case['id']}/actions/assign", json={"unit": "ZX-DH"},
                       headers=login("citydisp"))
    assert resp.status_code == 200, resp.text
    town = console("dh_disp").get("/queue")
    assert case["number"] in town.text
    assert other["number"] not in town.text
    assert console("zd_disp").get("/queue").text.count(case["number"]) == 0
