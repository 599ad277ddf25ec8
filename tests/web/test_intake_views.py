"""Intake: suggestions while typing (from the registered suggester), one-click dispatch, answer on the call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from minsheng.web import suggest


@pytest.fixture
def fake_suggester() -> Iterator[list[tuple[str, str]]]:
    calls: list[tuple[str, str]] = []

    def _suggest(session: Any, text: str, address: str) -> dict[str, Any]:
        calls.append((text, address))
        return {"category": "CG01", "confidence": 0.91, "town": "330482001", "village": None, "unit": "ZX-DH",
                "top": [{"category": "CG01", "confidence": 0.91, "unit": "ZX-DH"},
                        {"category": "CG02", "confidence": 0.05, "unit": "ZFJ"}],
                "duplicates": [{"id": 1, "number": "2026112500001", "content": "早先的同类诉求", "score": 0.8}]}

    suggest.suggesters.insert(0, _suggest)  # ahead of routing's own suggester
    yield calls
    suggest.suggesters.remove(_suggest)


@pytest.fixture
def no_suggester() -> Iterator[None]:
    saved = list(suggest.suggesters)
    suggest.suggesters.clear()
    yield
    suggest.suggesters.extend(saved)


def test_suggestions_render_while_typing(console: Any, fake_suggester: list[tuple[str, str]]) -> None:
    taker = console("calltaker")
    assert taker.landing == "/intake"
    assert taker.get("/intake").status_code == 200
    resp = taker.post("/intake/suggest", {"content": "人行道上有人摆摊卖水果", "address": "当湖街道"})
    assert resp.status_code == 200
    assert fake_suggester == [("人行道上有人摆摊卖水果", "当湖街道")]
    assert "占道经营与流动摊贩" in resp.text and "91%" in resp.text
    assert "当湖" in resp.text and "2026112500001" in resp.text


def test_no_suggester_says_so(console: Any, no_suggester: None) -> None:
    taker = console("calltaker")
    resp = taker.post("/intake/suggest", {"content": "人行道上有人摆摊卖水果"})
    assert "未启用" in resp.text


def test_one_click_dispatch_creates_and_assigns(console: Any, client: Any, login: Any) -> None:
    taker = console("calltaker")
    resp = taker.post("/intake", {"content": "人行道上有人摆摊卖水果", "address": "当湖街道", "channel": "12345",
                                  "citizen_phone": "13900001111", "unit": "ZX-DH", "category": "CG01",
                                  "then": "assign"})
    assert resp.status_code == 200, resp.text
    assert "已派单至 当湖街道综合信息指挥室" in resp.text
    items = client.get("/api/v1/cases", headers=login("dh_disp")).json()["items"]
    assert [(c["status"], c["unit"], c["category"]) for c in items] == [("assigned", "ZX-DH", "CG01")]


def test_consultation_answered_on_the_call_closes(console: Any, client: Any, login: Any) -> None:
    taker = console("calltaker")
    resp = taker.post("/intake", {"content": "咨询新生儿医保怎么办理", "channel": "12345", "then": "answer",
                                  "answer": "携带出生证明到医保窗口办理"})
    assert resp.status_code == 200 and "已直接答复办结" in resp.text
    items = client.get("/api/v1/cases", headers=login("citydisp")).json()["items"]
    assert items[0]["status"] == "closed"


def test_answer_without_text_is_refused_and_nothing_is_created(console: Any, client: Any, login: Any) -> None:
    taker = console("calltaker")
    resp = taker.post("/intake", {"content": "咨询新生儿医保怎么办理", "channel": "12345", "then": "answer"})
    assert resp.status_code == 422 and "答复内容" in resp.text
    assert client.get("/api/v1/cases", headers=login("citydisp")).json()["items"] == []


def test_handler_may_not_use_intake(console: Any) -> None:
    resp = console("zfj").get("/intake")
    assert resp.status_code == 403 and "不能访问" in resp.text


@pytest.mark.parametrize(("extra", "field_label"), [
    ({"then": "merge", "master_case_id": "99999999999"}, "主案件"),  # past the id range
    ({"then": "merge", "master_case_id": "²"}, "主案件"),  # a digit to str.isdigit, not to int
    ({"then": "assign", "unit": "Z" * 40}, "承办单位"),
    ({"then": "answer", "answer": "答" * 4001}, "答复内容不能超过 4000 个字"),
], ids=["merge-huge", "merge-superscript", "unit-long", "answer-long"])
def test_a_bad_decision_field_is_a_chinese_error_and_creates_nothing(console: Any, client: Any, login: Any,
                                                                     extra: dict[str, str], field_label: str) -> None:
    taker = console("calltaker")
    resp = taker.post("/intake", {"channel": "12345", "content": "路灯不亮好几天了", "address": "当湖街道", **extra})
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("text/html"), resp.text[:200]
    assert field_label in resp.text
    assert client.get("/api/v1/cases", headers=login("citydisp")).json()["items"] == []


def test_a_decision_that_fails_after_the_case_was_written_leaves_nothing(console: Any, client: Any,
                                                                          login: Any) -> None:
    """The form's case and its decision are one transaction: an unknown unit is found only once
    the case exists, and the error takes the case back with it."""
    taker = console("calltaker")
    resp = taker.post("/intake", {"channel": "12345", "content": "路灯不亮好几天了", "address": "当湖街道",
                                  "then": "assign", "unit": "NOPE"})
    assert resp.status_code == 422 and "NOPE" in resp.text, resp.text[:300]
    assert client.get("/api/v1/cases", headers=login("citydisp")).json()["items"] == []


def test_the_same_form_posted_twice_files_one_case_and_one_sms(console: Any, client: Any, login: Any, db: Any) -> None:
    """A double click, Ctrl+Enter then a click, or a browser's retry after a lost answer sends the
    form again: its token names it, and the second post answers with the first one's case."""
    import re

    from sqlalchemy import func, select

    from minsheng.events.models import OutboxMessage

    taker = console("calltaker")
    token = re.search(r'name="form_token" value="([0-9a-f]{32})"', taker.get("/intake").text)
    assert token is not None
    form = {"channel": "12345", "content": "当湖街道新华路路灯不亮好几天了", "address": "当湖街道新华路",
            "citizen_phone": "13900001234", "then": "assign", "unit": "ZX-DH", "form_token": token.group(1)}
    first, second = taker.post("/intake", form), taker.post("/intake", form)
    assert first.status_code == second.status_code == 200
    numbers = [re.search(r'id="created-case">(\d+)<', r.text).group(1) for r in (first, second)]  # type: ignore[union-attr]
    assert numbers[0] == numbers[1]
    items = client.get("/api/v1/cases", headers=login("citydisp")).json()["items"]
    assert len(items) == 1 and items[0]["status"] == "assigned"
    with db.read_session() as s:
        sms = s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.payload["event"].as_string() == "case_accepted"))
    assert sms == 1
    fresh = re.search(r'name="form_token" value="([0-9a-f]{32})"', first.text)
    assert fresh is not None and fresh.group(1) != token.group(1)  # the next call gets a new form
