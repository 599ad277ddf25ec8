"""Edge validation shared by the input schemas (minsheng.inputs): control characters in text,
times within the platform's years. The API's answers to such input, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.inputs import CONTROL_CHARACTERS, LocalMoment, Moment


@given(st.text(max_size=40))
def test_text_is_refused_exactly_when_it_holds_a_control_character(text: str) -> None:
    body = {"channel": "web", "content": "路灯" + text + "不亮", "address": ""}  # inside: not stripped
    bad = any((ord(c) < 32 and c not in "\t\n\r") or ord(c) == 127 for c in text)
    assert bool(CONTROL_CHARACTERS.search(text)) == bad
    if bad:
        with pytest.raises(ValidationError) as caught:
            CaseCreate.model_validate(body)
        assert caught.value.errors()[0]["type"] == "control_characters"
    else:
        CaseCreate.model_validate(body)


def test_tabs_and_line_breaks_are_text() -> None:
    assert ActionBody(note="第一行\r\n第二行\t完").note == "第一行\r\n第二行\t完"


def test_times_are_held_to_the_platforms_years() -> None:
    moment, local = TypeAdapter(Moment), TypeAdapter(LocalMoment)
    assert local.validate_python("2026-01-01T08:00:00").astimezone(UTC) == datetime(2026, 1, 1, tzinfo=UTC)
    assert moment.validate_python("2026-01-01T08:00:00").tzinfo is None  # the caller decides
    for far in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"):
        for adapter in (moment, local):
            with pytest.raises(ValidationError):
                adapter.validate_python(far)


@pytest.mark.parametrize("where", ["content", "citizen_name", "address"])
def test_a_nul_in_a_new_case_is_a_422_on_both_databases(client, login, where) -> None:
    body = {"channel": "web", "content": "路灯不亮", "address": "当湖街道", where: "路灯\x00不亮"}
    resp = client.post("/api/v1/cases", json=body, headers=login("calltaker"))
    assert resp.status_code == 422 and resp.json()["field"] == where, resp.text
    assert client.get("/api/v1/cases", headers=login("citydisp")).json()["items"] == []


def test_a_nul_in_an_action_note_changes_nothing(client, login) -> None:
    city = login("citydisp")
    cid = client.post("/api/v1/cases", json={"channel": "web", "content": "路灯不亮", "address": ""},
                      headers=login("calltaker")).json()["id"]
    resp = client.post(f"/api/v1/cases/{cid}/actions/assign", json={"unit": "ZJJ", "note": "a\x00"}, headers=city)
    assert resp.status_code == 422, resp.text
    assert client.get(f"/api/v1/cases/{cid}", headers=city).json()["status"] == "received"


def test_texts_inside_a_list_are_checked_and_the_error_names_the_field() -> None:
    from minsheng.inputs import InputModel

    class Form(InputModel):
        members: list[str]
        count: int = 0

    assert Form(members=["ZJJ", "第二\n行"], count=2).members == ["ZJJ", "第二\n行"]
    with pytest.raises(ValidationError) as caught:
        Form(members=["ZJJ", "Z\x00FJ"])
    assert caught.value.errors()[0]["loc"] == ("members",)
