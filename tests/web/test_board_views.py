"""Escalation board and dashboard pages: scope, figures, the broken clock."""

from __future__ import annotations

from typing import Any

from minsheng.cases import present
from minsheng.clock import FakeClock
from minsheng.db import Database
from minsheng.routing.tables import RoutingQueue


def _case(client: Any, login: Any, **body: Any) -> int:
    payload = {"channel": "12345", "content": "当湖街道路面塌陷，有车辆陷入", "address": "当湖街道"} | body
    resp = client.post("/api/v1/cases", json=payload, headers=login("calltaker"))
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def test_escalation_board_groups_by_unit_with_broken_clock(client: Any, login: Any, console: Any,
                                                           fake_clock: FakeClock) -> None:
    late = _case(client, login)
    client.post(f"/api/v1/cases/{late}/actions/assign", json={"unit": "ZX-DH"}, headers=login("citydisp"))
    client.post(f"/api/v1/cases/{late}/actions/escalate", json={"reason": "群众多次来电"}, headers=login("citydisp"))
    _case(client, login, content="钟埭街道垃圾没人清运", address="钟埭街道")
    due = fake_clock.now()

    def provider(session: Any, cases: list[Any]) -> dict[int, list[dict[str, Any]]]:
        return {c.id: [{"stage": "sign", "state": "overdue", "due_at": due.isoformat(), "remaining_seconds": 0}]
                for c in cases if c.id == late}

    present.clock_providers.append(provider)
    try:
        fake_clock.advance(minutes=7, seconds=5)
        page = console("supervisor").get("/escalations")
    finally:
        present.clock_providers.remove(provider)
    assert page.status_code == 200
    assert "当湖" in page.text and "共 1 件" in page.text
    assert "签收" in page.text and "超 7分05秒" in page.text
    # a town sub-centre sees only its own units' escalations
    assert "共 0 件" in console("zd_disp").get("/escalations").text


def test_dashboard_counts_and_on_time_rates(client: Any, login: Any, console: Any, fake_clock: FakeClock) -> None:
    fast = {"category": "JC01"}
    on_time = _case(client, login, channel="110", **fast)
    late = _case(client, login, **fast)
    _case(client, login, content="钟埭街道垃圾没人清运", address="钟埭街道", channel="web")
    for case_id in (on_time, late):
        client.post(f"/api/v1/cases/{case_id}/actions/assign", json={"unit": "ZX-DH"}, headers=login("citydisp"))
    fake_clock.advance(seconds=30)
    client.post(f"/api/v1/cases/{on_time}/actions/sign", json={}, headers=login("dh_disp"))
    fake_clock.advance(seconds=90)
    client.post(f"/api/v1/cases/{late}/actions/sign", json={}, headers=login("dh_disp"))
    page = console("leader")
    assert page.landing == "/dashboard"
    html = page.get("/dashboard").text
    assert '<b id="kpi-today">3</b>' in html
    assert "50.0%" in html and "本月 1/2" in html  # sign: one of two within the fast track's minute
    assert "echarts.common.min.js" in html and '"110": 1' in html


def test_the_board_shows_the_backlog_panel_to_the_city_centre(client: Any, login: Any, console: Any, db: Database,
                                                              fake_clock: FakeClock) -> None:
    case_id = _case(client, login)
    with db.session() as s:
        s.add(RoutingQueue(case_id=case_id, queued_at=fake_clock.now(), attempts=0))
    fake_clock.advance(minutes=11)
    page = console("supervisor").get("/escalations")
    assert page.status_code == 200
    assert "后台任务" in page.text and "待后台分拨" in page.text and "停滞" in page.text
    assert 'hx-get="/escalations/backlog"' in page.text
    panel = console("supervisor").get("/escalations/backlog", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and 'data-queue="routing" data-state="stalled"' in panel.text
    town = console("zd_disp")
    assert "后台任务" not in town.get("/escalations").text
    assert town.get("/escalations/backlog").status_code == 403
