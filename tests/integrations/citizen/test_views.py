"""The citizen's page: look up by case number and the phone's last four digits, read the answer,
rate it; wrong guesses are limited per case number and per address."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from minsheng.events.models import OutboxMessage
from minsheng.integrations.models import ReviewRequest
from tests.integrations.test_handback import act

CASE = {"channel": "12345", "content": "当湖街道水洞埭社区楼道灯坏了", "address": "水洞埭社区 5 幢",
        "citizen_name": "赵六", "citizen_phone": "138-1234-5678"}


def closed_case(client: Any, login: Any, answer: str = "楼道灯已更换") -> dict[str, Any]:
    created = client.post("/api/v1/cases", json=CASE, headers=login("calltaker")).json()
    act(client, login("calltaker"), created["id"], "answer_directly", text=answer)
    return dict(created)


def token_of(html: str) -> str:
    marker = 'name="token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


def test_the_page_shows_status_and_answer_and_takes_a_rating(client, login, db) -> None:
    case = closed_case(client, login)
    form = client.get("/c", params={"n": case["number"]})
    assert form.status_code == 200 and "手机号码后四位" in form.text and case["number"] in form.text
    page = client.post("/c", data={"number": case["number"], "phone_last4": "5678"})
    assert page.status_code == 200
    assert "已办结" in page.text and "楼道灯已更换" in page.text and "基本满意" in page.text
    assert "138" not in page.text and "赵六" not in page.text  # nothing personal on the page
    done = client.post("/c/rate", data={"token": token_of(page.text), "rating": "satisfied", "comment": "很及时"})
    assert done.status_code == 200 and "感谢您的评价" in done.text and "您的评价：满意" in done.text
    detail = client.get(f"/api/v1/cases/{case['id']}", headers=login("citydisp")).json()
    assert detail["rating"] == "satisfied" and detail["rating_comment"] == "很及时"
    assert detail["timeline"][-1]["actor_name"] == "群众（网上评价）"
    again = client.post("/c/rate", data={"token": token_of(page.text), "rating": "unsatisfied"})
    assert again.status_code == 409 and "已经评价过" in again.text


def test_an_open_case_shows_progress_without_a_rating_form(client, login) -> None:
    created = client.post("/api/v1/cases", json=CASE, headers=login("calltaker")).json()
    act(client, login("citydisp"), created["id"], "assign", unit="ZX-DH")
    page = client.post("/c", data={"number": created["number"], "phone_last4": "5678"})
    assert page.status_code == 200 and "待签收" in page.text and "当湖街道综合信息指挥室" in page.text
    assert 'name="rating"' not in page.text
    forged = client.post("/c/rate", data={"token": "forged.token", "rating": "satisfied"})
    assert forged.status_code == 404 and "无效" in forged.text


def test_unsatisfied_sends_the_case_back_to_the_centre(client, login, db) -> None:
    case = closed_case(client, login, answer="经核实不属于本单位职责")
    page = client.post("/c", data={"number": case["number"], "phone_last4": "5678"})
    done = client.post("/c/rate", data={"token": token_of(page.text), "rating": "unsatisfied", "comment": "推诿"})
    assert done.status_code == 200 and "转市民声一键办中心复核" in done.text
    with db.read_session() as s:
        [review] = s.scalars(select(ReviewRequest)).all()
        assert (review.case_id, review.status, review.source, review.comment) == (case["id"], "open", "citizen_page",
                                                                                  "推诿")
        note = s.scalars(select(OutboxMessage).where(OutboxMessage.topic == "notify")
                         .order_by(OutboxMessage.id.desc())).first()
        assert note is not None and note.payload["event"] == "review_requested"
        assert note.payload["to"]["unit"] == "SZZX"
    open_reviews = client.get("/api/v1/reviews", headers=login("supervisor")).json()
    assert [r["case_number"] for r in open_reviews] == [case["number"]]
    detail = client.get(f"/api/v1/cases/{case['id']}", headers=login("supervisor")).json()
    assert detail["extra"]["review"]["status"] == "open"
    assert detail["timeline"][-1]["action"] == "review_requested"


def test_wrong_guesses_are_limited_per_case_number(client, login) -> None:
    case = closed_case(client, login)
    for guess in ("0000", "1111", "2222", "3333", "4444"):
        resp = client.post("/c", data={"number": case["number"], "phone_last4": guess})
        assert resp.status_code == 404 and "不正确" in resp.text
    # the sixth try is refused even with the right digits
    resp = client.post("/c", data={"number": case["number"], "phone_last4": "5678"})
    assert resp.status_code == 429 and "稍后再试" in resp.text


def test_the_window_moves_on(client, login, fake_clock) -> None:
    case = closed_case(client, login)
    for _ in range(5):
        client.post("/c", data={"number": case["number"], "phone_last4": "0000"})
    assert client.post("/c", data={"number": case["number"], "phone_last4": "5678"}).status_code == 429
    fake_clock.advance(minutes=16)
    assert client.post("/c", data={"number": case["number"], "phone_last4": "5678"}).status_code == 200


def test_wrong_guesses_are_limited_per_address_across_case_numbers(client, login) -> None:
    case = closed_case(client, login)
    for i in range(20):
        resp = client.post("/c", data={"number": f"20261125{i:05d}9", "phone_last4": "1234"})
        assert resp.status_code == 404
    resp = client.post("/c", data={"number": case["number"], "phone_last4": "5678"})
    assert resp.status_code == 429


def test_malformed_input_is_answered_without_counting(client, login) -> None:
    case = closed_case(client, login)
    for _ in range(8):
        assert client.post("/c", data={"number": case["number"], "phone_last4": "12a"}).status_code == 422
    assert client.post("/c", data={"number": case["number"], "phone_last4": "5678"}).status_code == 200
    assert client.post("/c/rate", data={"token": "x", "rating": "great"}).status_code == 422
