"""The case page: fields, timeline, actions from the workflow, CSRF, errors as Chinese messages."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from minsheng.directory.models import AuditLog
from tests.integrations.conftest import make_key  # noqa: F401  (fixture)


def _case(client: Any, login: Any, **body: Any) -> dict[str, Any]:
    payload = {"channel": "12345", "content": "当湖街道小区门口有一棵大树倒了，挡住道路", "address": "当湖街道",
               "citizen_name": "王小明", "citizen_phone": "13912345678"} | body
    resp = client.post("/api/v1/cases", json=payload, headers=login("calltaker"))
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _buttons(html: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z_]+)"', html))


def test_buttons_come_from_allowed_actions(client: Any, login: Any, console: Any) -> None:
    case = _case(client, login)
    city = console("citydisp")
    page = city.get(f"/cases/{case['id']}")
    assert page.status_code == 200
    api = client.get(f"/api/v1/cases/{case['id']}", headers=login("citydisp")).json()
    assert _buttons(page.text) == set(api["allowed_actions"])
    assert "王*" in page.text and "13912345678" not in page.text  # masked until revealed
    # the leader may read but takes no action
    assert _buttons(console("leader").get(f"/cases/{case['id']}").text) == set()


def test_assign_sign_through_console_forms(client: Any, login: Any, console: Any) -> None:
    case = _case(client, login)
    city = console("citydisp")
    city.get(f"/cases/{case['id']}")
    resp = city.post(f"/cases/{case['id']}/act/assign", {"unit": "ZX-DH"})
    assert resp.status_code == 200, resp.text
    assert "已派单" in resp.text and "待签收" in resp.text
    town = console("dh_disp")
    page = town.get(f"/cases/{case['id']}")
    assert "sign" in _buttons(page.text)
    resp = town.post(f"/cases/{case['id']}/act/sign")
    assert resp.status_code == 200 and "已签收" in resp.text
    # the ranking of teams is offered for dispatch, available and nearest first
    assert 'data-team="T-DH-1"' in resp.text or 'data-team="T-DH-2"' in resp.text


def test_missing_field_and_illegal_action_give_chinese_messages(client: Any, login: Any, console: Any) -> None:
    case = _case(client, login)
    city = console("citydisp")
    city.get("/queue")
    resp = city.post(f"/cases/{case['id']}/act/assign", {})
    assert resp.status_code == 422
    assert resp.headers["HX-Retarget"] == "#flash" and "承办单位" in resp.text
    resp = city.post(f"/cases/{case['id']}/act/approve", {})
    assert resp.status_code == 409 and "不允许" in resp.text


def test_state_change_without_csrf_token_is_refused(client: Any, login: Any, console: Any) -> None:
    case = _case(client, login)
    city = console("citydisp")
    resp = city.client.post(f"/cases/{case['id']}/act/assign", data={"unit": "ZX-DH"})
    assert resp.status_code == 403
    resp = city.client.post(f"/cases/{case['id']}/act/assign", data={"unit": "ZX-DH"},
                            headers={"X-CSRF-Token": "forged"})
    assert resp.status_code == 403
    status = client.get(f"/api/v1/cases/{case['id']}", headers=login("citydisp")).json()["status"]
    assert status == "received"


def test_other_town_gets_404_page(client: Any, login: Any, console: Any) -> None:
    case = _case(client, login)
    client.post(f"/api/v1/cases/{case['id']}/actions/assign", json={"unit": "ZX-DH"}, headers=login("citydisp"))
    resp = console("zd_disp").get(f"/cases/{case['id']}")
    assert resp.status_code == 404 and "记录不存在" in resp.text


def test_reveal_contact_is_audited(client: Any, login: Any, console: Any, db: Any) -> None:
    case = _case(client, login)
    city = console("citydisp")
    city.get(f"/cases/{case['id']}")
    resp = city.post(f"/cases/{case['id']}/contact", {"reason": "回访"})
    assert resp.status_code == 200 and "13912345678" in resp.text
    with db.read_session() as s:
        assert s.scalars(select(AuditLog).where(AuditLog.case_id == case["id"])).first() is not None


def test_bad_form_values_are_chinese_messages_not_json(client: Any, login: Any, console: Any) -> None:
    case = _case(client, login)
    city = console("citydisp")
    city.get(f"/cases/{case['id']}")
    resp = city.post(f"/cases/{case['id']}/act/merge", {"master_case_id": "abc"})
    assert resp.status_code == 422 and resp.headers["HX-Retarget"] == "#flash"
    assert "主案件编号：应为整数" in resp.text and "Input should" not in resp.text
    resp = city.post(f"/cases/{case['id']}/contact", {"reason": "回" * 201})  # Form(max_length=200)
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("text/html")
    assert resp.headers["HX-Retarget"] == "#flash" and "理由：不能超过 200 个字" in resp.text
    resp = city.post(f"/cases/{case['id']}/contact", {"reason": "回" * 201}, htmx=False)
    assert resp.status_code == 422 and "<html" in resp.text and "理由：不能超过 200 个字" in resp.text
    with_case = client.get(f"/api/v1/cases/{case['id']}", headers=login("citydisp")).json()
    assert with_case["status"] == "received"  # nothing happened to the case


def test_a_case_id_the_database_cannot_hold_is_a_chinese_error(console: Any) -> None:
    city = console("citydisp")
    huge = 10**30  # PostgreSQL: DataError (integer out of range); SQLite: OverflowError
    page = city.get(f"/cases/{huge}")
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "字段取值超出范围" in page.text and "<html" in page.text
    resp = city.post(f"/cases/{huge}/act/sign")
    assert resp.status_code == 422 and resp.headers["HX-Retarget"] == "#flash" and "字段取值超出范围" in resp.text
    assert city.get("/queue").status_code == 200  # the session is still good


def test_the_case_page_tells_source_review_and_messages_in_words(client: Any, login: Any, console: Any,
                                                                 make_key: Any) -> None:  # noqa: F811
    from tests.integrations.conftest import INTAKE

    key = make_key("12345")
    cid = client.post("/api/v1/intake/12345", json={**INTAKE, "callback_url": "http://127.0.0.1:9/cb"},
                      headers=key.headers).json()["case_id"]
    calltaker = login("calltaker")
    client.post(f"/api/v1/cases/{cid}/actions/answer_directly", json={"text": "已安排维修"}, headers=calltaker)
    client.post(f"/api/v1/cases/{cid}/actions/callback", json={"rating": "unsatisfied", "comment": "没修好"},
                headers=calltaker)
    page = console("citydisp").get(f"/cases/{cid}").text
    assert "来源系统：12345热线" in page and "GD202611250001" in page
    assert "办结结果回传（来源系统）" in page
    for raw in ("{'", "datetime.datetime", "case.closed", "case_accepted", "tzinfo"):
        assert raw not in page, raw


def test_closing_and_raising_the_level_take_a_second_step(client: Any, login: Any, console: Any) -> None:
    case = _case(client, login)
    client.post(f"/api/v1/cases/{case['id']}/actions/assign", json={"unit": "ZX-DH"}, headers=login("citydisp"))
    town = login("dh_disp")
    client.post(f"/api/v1/cases/{case['id']}/actions/sign", json={}, headers=town)
    client.post(f"/api/v1/cases/{case['id']}/actions/feedback", json={"text": "已处理"}, headers=town)
    page = console("supervisor").get(f"/cases/{case['id']}").text
    for action in ("approve", "escalate"):
        assert f'id="form-{action}"' in page  # a form with its fields and a 确认 button
        assert f'hx-post="/cases/{case["id"]}/act/{action}" hx-target' not in page.split(f'id="form-{action}"')[0]
    assert "确认审核办结" in page and "办结后发送给群众" in page


def test_read_only_accounts_are_not_offered_an_upload(client: Any, login: Any, console: Any) -> None:
    case = _case(client, login)
    assert f'hx-post="/cases/{case["id"]}/attachments"' in console("citydisp").get(f"/cases/{case['id']}").text
    assert f'hx-post="/cases/{case["id"]}/attachments"' not in console("leader").get(f"/cases/{case['id']}").text


def test_a_merge_names_its_master_by_the_case_number_people_see(client: Any, login: Any, console: Any) -> None:
    master, dup = _case(client, login), _case(client, login)
    city = console("citydisp")
    city.get("/queue")
    missing = city.post(f"/cases/{dup['id']}/act/merge", {"master_case_id": "2099010100001"})
    assert missing.status_code == 422 and "找不到编号为 2099010100001 的案件" in missing.text
    resp = city.post(f"/cases/{dup['id']}/act/merge", {"master_case_id": master["number"]})
    assert resp.status_code == 200 and "已合并重复件" in resp.text
    assert client.get(f"/api/v1/cases/{dup['id']}", headers=login("citydisp")).json()["merged"]
