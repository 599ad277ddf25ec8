"""Intake from 12345 and 110: keys per system, idempotent retries, validation that names the field."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from minsheng.cases.models import Case
from minsheng.integrations.models import IntakeLink
from tests.integrations.conftest import INTAKE


def count_cases(db) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(Case)) or 0


def test_a_hotline_request_becomes_a_case_of_its_channel(client, make_key, db, login) -> None:
    key = make_key("12345")
    resp = client.post("/api/v1/intake/12345", json={**INTAKE, "callback_url": "http://127.0.0.1:9/cb"},
                       headers=key.headers)
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert out["system"] == "12345" and out["source_id"] == INTAKE["source_id"] and len(out["number"]) == 13
    detail = client.get(f"/api/v1/cases/{out['case_id']}", headers=login("citydisp")).json()
    assert detail["channel"] == "12345" and detail["source_system"] == "12345"
    assert detail["status"] == "received" and detail["content"] == INTAKE["content"]
    assert detail["extra"]["handback"]["callback_url"] == "http://127.0.0.1:9/cb"
    with db.read_session() as s:
        link = s.get(IntakeLink, out["case_id"])
        assert link is not None and link.api_key_id == key.id


def test_a_retry_with_the_same_source_id_returns_the_same_case(client, make_key, db) -> None:
    key = make_key("110")
    first = client.post("/api/v1/intake/110", json=INTAKE, headers=key.headers)
    again = client.post("/api/v1/intake/110", json=INTAKE, headers=key.headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
    assert count_cases(db) == 1
    # the same record id from the other system is another request
    other = client.post("/api/v1/intake/12345", json=INTAKE, headers=make_key("12345").headers)
    assert other.json()["case_id"] != first.json()["case_id"]
    assert count_cases(db) == 2


def test_an_idempotency_key_alone_makes_retries_return_the_same_response(client, make_key, db) -> None:
    key = make_key("12345")
    body = {k: v for k, v in INTAKE.items() if k != "source_id"}
    headers = {**key.headers, "Idempotency-Key": "retry-7f3a"}
    first = client.post("/api/v1/intake/12345", json=body, headers=headers)
    again = client.post("/api/v1/intake/12345", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and first.json()["source_id"] is None
    assert count_cases(db) == 1
    # the same key with a different request is refused, not silently answered with the old case
    changed = client.post("/api/v1/intake/12345", json={**body, "content": "另一件事：路灯不亮了"}, headers=headers)
    assert changed.status_code == 409 and changed.json()["code"] == "idempotency_key_reused"
    # a new key is a new request
    third = client.post("/api/v1/intake/12345", json=body, headers={**key.headers, "Idempotency-Key": "other"})
    assert third.json()["case_id"] != first.json()["case_id"]
    assert count_cases(db) == 2


def test_without_source_id_or_idempotency_key_the_request_is_refused(client, make_key, db) -> None:
    body = {k: v for k, v in INTAKE.items() if k != "source_id"}
    resp = client.post("/api/v1/intake/12345", json=body, headers=make_key("12345").headers)
    assert resp.status_code == 422 and resp.json()["field"] == "source_id"
    assert count_cases(db) == 0


def test_validation_errors_name_the_field(client, make_key) -> None:
    headers = make_key("12345").headers
    cases = {
        "content": {**INTAKE, "content": "x"},
        "address": {k: v for k, v in INTAKE.items() if k != "address"},
        "citizen_phone": {**INTAKE, "citizen_phone": "not-a-phone"},
        "lat": {**INTAKE, "lat": 95},
        "callback_url": {**INTAKE, "callback_url": "ftp://example.org/x"},
        "source_id": {**INTAKE, "source_id": "x" * 200},
        "unexpected": {**INTAKE, "unexpected": 1},
    }
    for field, body in cases.items():
        resp = client.post("/api/v1/intake/12345", json=body, headers=headers)
        assert resp.status_code == 422, (field, resp.text)
        assert resp.json()["field"] == field, (field, resp.json())


def test_only_a_key_of_the_matching_system_may_send(client, make_key, login, db) -> None:
    assert client.post("/api/v1/intake/12345", json=INTAKE).status_code == 401
    assert client.post("/api/v1/intake/12345", json=INTAKE, headers=make_key("110").headers).status_code == 403
    assert client.post("/api/v1/intake/110", json=INTAKE, headers=make_key("open311").headers).status_code == 403
    assert client.post("/api/v1/intake/110", json=INTAKE, headers=login("calltaker")).status_code == 403
    key = make_key("110")
    assert client.post("/api/v1/intake/110", json=INTAKE, headers={"X-API-Key": key.plain}).status_code == 201
    assert count_cases(db) == 1


def test_the_sender_reads_back_what_became_of_its_request(client, make_key, login) -> None:
    key = make_key("12345")
    case_id = client.post("/api/v1/intake/12345", json=INTAKE, headers=key.headers).json()["case_id"]
    client.post(f"/api/v1/cases/{case_id}/actions/answer_directly", json={"text": "已联系供水公司，今日修复"},
                headers=login("calltaker"))
    out = client.get(f"/api/v1/intake/12345/{INTAKE['source_id']}", headers=key.headers).json()
    assert out["status"] == "closed" and out["status_label"] == "已办结"
    assert out["public_answer"] == "已联系供水公司，今日修复"
    assert client.get(f"/api/v1/intake/110/{INTAKE['source_id']}", headers=key.headers).status_code == 403
    assert client.get("/api/v1/intake/12345/unknown", headers=key.headers).status_code == 404


@pytest.mark.postgres_only  # SQLite takes the write lock first (BEGIN IMMEDIATE): no race to lose
def test_a_request_that_loses_a_race_for_its_source_id_gets_the_winners_case(client, make_key, login, backend,
                                                                             monkeypatch) -> None:
    """Another writer commits the same (system, source id) between the intake's look-ups and its
    INSERT (simulated: both look-ups miss once). The unique index refuses the row; the answer is
    the case that won, not an error."""
    from minsheng.cases import service
    from minsheng.integrations import intake

    key = make_key("12345")
    won = client.post("/api/v1/cases", json={"channel": "12345", "content": "路灯不亮好几天", "address": "当湖街道",
                                             "source_system": "12345", "source_id": "GD-RACE-1"},
                      headers=login("calltaker"))
    assert won.status_code == 201, won.text
    real, calls = intake._existing, []

    def first_misses(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(intake, "_existing", first_misses)
    monkeypatch.setattr(service, "_received", lambda session, body: (body, None))
    lost = client.post("/api/v1/intake/12345", json={"source_id": "GD-RACE-1", "content": "路灯不亮好几天",
                                                     "address": "当湖街道"}, headers=key.headers)
    assert lost.status_code == 201 and lost.json()["case_id"] == won.json()["id"], lost.text
