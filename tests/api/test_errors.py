"""Error mapping: a value the database cannot hold is the client's 422, not a server error; a
request that fails validation is a 422 whose messages are Chinese (Pydantic's English stays out)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from minsheng.api.deps import ReadSession
from minsheng.api.errors import install_error_handlers
from minsheng.cases.models import Case


def test_ids_past_the_integer_range_answer_422(db, client, login, backend) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/raw/{case_id}")
    def raw(case_id: int, session: ReadSession) -> Any:  # an id without bounds, straight to the database
        return session.scalars(select(Case.id).where(Case.id == case_id)).first()

    with TestClient(app, raise_server_exceptions=False) as raw_client:
        too_big = (2**31, 2**63, 10**30) if backend == "postgresql" else (2**63, 10**30)  # SQLite: 64-bit
        for big in too_big:
            resp = raw_client.get(f"/raw/{big}")
            assert resp.status_code == 422 and resp.json()["code"] == "invalid_value", (big, resp.text)
        assert raw_client.get("/raw/1").status_code == 200
    # the case routes bound their ids at the edge
    resp = client.get(f"/api/v1/cases/{2**31}", headers=login("citydisp"))
    assert resp.status_code == 422 and resp.json()["field"] == "case_id"


LATIN_WORDS = re.compile(r"[A-Za-z]{4,}\s+[A-Za-z]{3,}")  # "Field required", "Input should be …"


def test_validation_errors_are_chinese_and_keep_their_shape(client, login) -> None:
    city = login("citydisp")
    resp = client.post("/api/v1/cases", json={"channel": "fax", "content": "路" * 4001, "extra": 1}, headers=city)
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "invalid_field" and body["field"] == "channel"
    assert body["message"] == "字段 channel 只能是 '12345'、'110'、'app'、'web'、'open311'、'walk_in' 之一"
    assert {e["field"]: (e["type"], e["message"]) for e in body["errors"]} == {
        "channel": ("literal_error", body["message"]),
        "content": ("string_too_long", "字段 content 不能超过 4000 个字"),
        "extra": ("extra_forbidden", "字段 extra 不是可以填写的字段"),
    }
    assert client.post("/api/v1/cases", json={"channel": "web"}, headers=city).json()["message"] == (
        "字段 content 不能为空")
    resp = client.get("/api/v1/cases/abc", headers=city)
    assert resp.status_code == 422 and resp.json()["message"] == "字段 case_id 应为整数"
    resp = client.post("/api/v1/proposals/1/contacts", headers=city, json={
        "method": "meeting", "occurred_on": "2026-02-30", "people": "张三李四", "content": "内容内容"})
    assert resp.json()["message"] == "字段 occurred_on 应为有效日期，格式 YYYY-MM-DD"
    malformed = client.post("/api/v1/cases", content=b"{not", headers={**city, "Content-Type": "application/json"})
    assert malformed.status_code == 422 and malformed.json()["message"] == "请求内容不是合法的 JSON"
    for resp in (malformed, client.get(f"/api/v1/cases/{2**31}", headers=city)):
        assert not any(LATIN_WORDS.search(e["message"]) for e in resp.json()["errors"]), resp.text
