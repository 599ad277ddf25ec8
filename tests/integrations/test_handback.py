"""Hand-back listener: sign, team on site, feedback approved, close → a webhook row in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from minsheng.cases.schemas import ActionBody
from minsheng.cases.service import do_action
from minsheng.errors import Conflict
from minsheng.events.models import OutboxMessage
from tests.integrations.conftest import INTAKE

CALLBACK = "http://127.0.0.1:9/callback"


def webhooks(db, case_id: int) -> list[OutboxMessage]:
    with db.read_session() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id,
                                                          OutboxMessage.topic == "webhook").order_by(OutboxMessage.id)))


def intake(client: Any, key: Any, system: str = "12345", **extra: Any) -> int:
    resp = client.post(f"/api/v1/intake/{system}", json={**INTAKE, **extra}, headers=key.headers)
    assert resp.status_code == 201, resp.text
    return int(resp.json()["case_id"])


def act(client: Any, headers: dict[str, str], case_id: int, action: str, **body: Any) -> dict[str, Any]:
    resp = client.post(f"/api/v1/cases/{case_id}/actions/{action}", json=body, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_each_stage_of_a_110_referral_is_handed_back(client, make_key, login, db) -> None:
    key = make_key("110")
    cid = intake(client, key, "110", callback_url=CALLBACK)
    town = login("dh_disp")
    act(client, login("citydisp"), cid, "assign", unit="ZX-DH")
    assert webhooks(db, cid) == []  # assignment is internal
    act(client, town, cid, "sign")
    act(client, town, cid, "dispatch_team", team="T-DH-1")
    act(client, town, cid, "arrive")
    act(client, town, cid, "feedback", text="井盖已补装，现场已设警示")
    act(client, login("supervisor"), cid, "approve", public_answer="井盖已补装到位")
    rows = webhooks(db, cid)
    assert [r.payload["event"] for r in rows] == ["case.signed", "case.on_site", "case.feedback_approved"]
    assert all(r.payload["url"] == CALLBACK and r.payload["client"] == key.id for r in rows)
    assert all(r.delivered_at is None and r.attempts == 0 for r in rows)
    last = rows[-1].payload["body"]
    assert last["system"] == "110" and last["source_id"] == INTAKE["source_id"]
    assert last["case"]["status"] == "closed" and last["case"]["public_answer"] == "井盖已补装到位"
    assert last["case"]["unit"] == "当湖街道综合信息指挥室"
    assert rows[1].payload["body"]["case"]["team"] == "当湖民声一键办一队"


def test_a_direct_answer_and_a_rating_are_handed_back(client, make_key, login, db) -> None:
    cid = intake(client, make_key("12345"), callback_url=CALLBACK)
    act(client, login("calltaker"), cid, "answer_directly", text="该路段由供电公司负责，已转告")
    act(client, login("calltaker"), cid, "callback", rating="satisfied")
    rows = webhooks(db, cid)
    assert [r.payload["event"] for r in rows] == ["case.closed", "case.rated"]
    assert rows[0].payload["body"]["case"]["public_answer"] == "该路段由供电公司负责，已转告"
    assert rows[1].payload["body"]["case"]["rating"] == "satisfied"


def test_no_webhook_without_a_callback_url_or_for_other_channels(client, make_key, login, db) -> None:
    cid = intake(client, make_key("12345"))  # no callback_url and no default for the client
    act(client, login("calltaker"), cid, "answer_directly", text="已答复")
    assert webhooks(db, cid) == []
    resp = client.post("/api/v1/cases", json={"channel": "web", "content": "网上留言：路灯不亮"},
                       headers=login("calltaker"))
    act(client, login("calltaker"), resp.json()["id"], "answer_directly", text="已答复")
    assert webhooks(db, resp.json()["id"]) == []


def test_the_client_default_callback_url_is_used(client, make_key, login, db) -> None:
    from minsheng.integrations.models import ChannelClient

    key = make_key("12345")
    with db.session() as s:
        s.get(ChannelClient, key.id).callback_url = "http://127.0.0.1:9/default"  # type: ignore[union-attr]
    cid = intake(client, key)
    act(client, login("calltaker"), cid, "answer_directly", text="已答复")
    assert [r.payload["url"] for r in webhooks(db, cid)] == ["http://127.0.0.1:9/default"]


def test_a_failed_action_leaves_no_webhook(client, make_key, login, db, actors) -> None:
    cid = intake(client, make_key("12345"), callback_url=CALLBACK)
    act(client, login("citydisp"), cid, "assign", unit="ZX-DH")
    try:
        with db.session() as s:
            do_action(s, cid, "sign", ActionBody(), actors["dh_disp"])
            raise Conflict("rolled back after the listener ran")
    except Conflict:
        pass
    assert webhooks(db, cid) == []
    with db.session() as s:
        do_action(s, cid, "sign", ActionBody(), actors["dh_disp"])
    assert [r.payload["event"] for r in webhooks(db, cid)] == ["case.signed"]


def test_a_duplicate_closed_with_its_master_hands_back_the_masters_answer(client, make_key, login, db) -> None:
    key = make_key("12345")
    master = client.post("/api/v1/cases", json={"channel": "web", "content": "水洞埭社区窨井盖缺失"},
                         headers=login("calltaker")).json()["id"]
    dup = intake(client, key, callback_url=CALLBACK)
    act(client, login("calltaker"), dup, "merge", master_case_id=master)
    act(client, login("calltaker"), master, "answer_directly", text="井盖已补装")
    [row] = webhooks(db, dup)
    assert row.payload["event"] == "case.closed"
    assert row.payload["body"]["case"]["public_answer"] == "井盖已补装"
    with db.read_session() as s:
        answered = s.scalars(select(OutboxMessage).where(OutboxMessage.case_id == dup,
                                                         OutboxMessage.topic == "notify")).all()
        assert [m.payload["event"] for m in answered] == ["case_accepted", "case_answered"]
