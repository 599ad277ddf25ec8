"""Each open case in the API carries its running clocks for a live countdown."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")


def clocks_of(client, headers, cid) -> dict[str, dict]:
    return {c["stage"]: c for c in client.get(f"/api/v1/cases/{cid}", headers=headers).json()["clocks"]}


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_countdown_states_follow_the_clock(client, login, cases, fake_clock) -> None:
    city = login("citydisp")
    t0 = fake_clock.now()
    cid = cases.assigned()
    sign = clocks_of(client, city, cid)["sign"]
    assert (sign["state"], sign["remaining_seconds"], sign["ticking"]) == ("ok", 60, True)
    assert parse(sign["due_at"]) == t0 + timedelta(seconds=60) and sign["stage_label"] == "签收"
    fake_clock.advance(50)
    assert clocks_of(client, city, cid)["sign"]["state"] == "warning"  # even before the worker fired
    fake_clock.advance(15)
    sign = clocks_of(client, city, cid)["sign"]
    assert (sign["state"], sign["remaining_seconds"]) == ("overdue", -5)
    cases.act(cid, "sign")
    assert set(clocks_of(client, city, cid)) == {"dispatch", "feedback"}  # only running clocks


def test_paused_clocks_keep_their_remaining_time(client, login, cases, fake_clock) -> None:
    city = login("citydisp")
    cid = cases.assigned()
    fake_clock.advance(20)
    cases.act(cid, "suspend", reason="等待群众提供位置")
    fake_clock.advance(1000)
    sign = clocks_of(client, city, cid)["sign"]
    assert (sign["state"], sign["remaining_seconds"], sign["ticking"]) == ("paused", 40, False)
    assert parse(sign["due_at"]) == fake_clock.now() + timedelta(seconds=40)  # if resumed now


def test_the_list_carries_clocks_and_closed_cases_none(client, login, cases, fake_clock) -> None:
    city = login("citydisp")
    open_id = cases.assigned()
    closed_id = cases.create()
    cases.act(closed_id, "answer_directly", user="calltaker", text="已电话答复")
    items = {c["id"]: c for c in client.get("/api/v1/cases", headers=city).json()["items"]}
    assert [c["stage"] for c in items[open_id]["clocks"]] == ["sign", "dispatch", "feedback"]
    assert items[closed_id]["clocks"] == []


def test_a_working_hours_clock_stands_still_at_night(client, login, cases, fake_clock) -> None:
    city = login("citydisp")
    fake_clock.set(datetime(2026, 11, 25, 16, 30, tzinfo=SH))
    cid = cases.assigned("ZFJ", category="CG01")
    fake_clock.set(datetime(2026, 11, 25, 22, 0, tzinfo=SH))
    sign = clocks_of(client, city, cid)["sign"]
    assert (sign["state"], sign["remaining_seconds"], sign["ticking"]) == ("ok", 3600, False)
    assert parse(sign["due_at"]) == datetime(2026, 11, 26, 9, 30, tzinfo=SH)
