"""Who is notified of what: citizens on acceptance and answer, staff on assignment; delivered by the
dispatcher through the configured backend (here an SMS gateway on 127.0.0.1)."""

from __future__ import annotations

import random

from sqlalchemy import select, update

from minsheng.directory.models import User
from minsheng.events.models import OutboxMessage
from minsheng.integrations.delivery import Dispatcher
from minsheng.integrations.settings import ChannelSettings
from tests.integrations.test_handback import act

CASE = {"channel": "12345", "content": "当湖街道水洞埭社区路灯不亮一周了", "address": "水洞埭社区",
        "citizen_phone": "13812345678"}


def notes(db) -> list[dict]:
    with db.read_session() as s:
        return [m.payload for m in s.scalars(select(OutboxMessage).where(OutboxMessage.topic == "notify")
                                             .order_by(OutboxMessage.id))]


def test_citizen_and_staff_notifications_are_written_with_the_action(client, login, db) -> None:
    cid = client.post("/api/v1/cases", json=CASE, headers=login("calltaker")).json()["id"]
    act(client, login("citydisp"), cid, "assign", unit="ZX-DH")
    act(client, login("dh_disp"), cid, "sign")
    act(client, login("dh_disp"), cid, "feedback", text="已更换灯泡")
    act(client, login("supervisor"), cid, "approve")
    got = notes(db)
    assert [(n["event"], n["to"]["kind"]) for n in got] == [
        ("case_accepted", "citizen"), ("case_assigned", "unit"), ("case_answered", "citizen")]
    assert got[0]["params"]["link"].endswith(f"/c?n={got[0]['params']['number']}")
    assert got[1]["to"]["unit"] == "ZX-DH"
    assert got[2]["params"]["answer"] == "已更换灯泡"
    assert "13812345678" not in str(got)  # phone numbers are looked up at delivery, never copied


def test_no_citizen_message_without_a_phone(client, login, db) -> None:
    body = {k: v for k, v in CASE.items() if k != "citizen_phone"}
    cid = client.post("/api/v1/cases", json=body, headers=login("calltaker")).json()["id"]
    act(client, login("calltaker"), cid, "answer_directly", text="已答复")
    assert notes(db) == []


def test_the_dispatcher_texts_the_citizen_and_the_unit_through_the_sms_gateway(client, login, db,
                                                                                receiver) -> None:
    with db.session() as s:
        s.execute(update(User).where(User.username == "dh_disp").values(phone="13700000002"))
    cid = client.post("/api/v1/cases", json=CASE, headers=login("calltaker")).json()["id"]
    act(client, login("citydisp"), cid, "assign", unit="ZX-DH")
    settings = ChannelSettings(notify_backend="sms", sms_gateway_url=receiver.url, sms_signature="平湖民声")
    Dispatcher(db, settings=settings, rng=random.Random(0)).run_once()
    texts = {r.json()["phone"]: r.json()["text"] for r in receiver.wait_for(2)}  # sent in parallel
    assert set(texts) == {"13812345678", "13700000002"}
    assert texts["13812345678"].startswith("【平湖民声】您反映的诉求已受理")
    assert "新工单" in texts["13700000002"] and "当湖街道综合信息指挥室" in texts["13700000002"]
    with db.read_session() as s:
        assert all(m.delivered_at is not None for m in s.scalars(select(OutboxMessage)))


def test_an_sla_notification_written_by_another_domain_is_delivered(db, receiver, fake_clock, client,
                                                                    login) -> None:
    from minsheng.events.outbox import enqueue

    with db.session() as s:
        s.execute(update(User).where(User.username == "supervisor").values(phone="13600000003"))
    cid = client.post("/api/v1/cases", json={k: v for k, v in CASE.items() if k != "citizen_phone"},
                      headers=login("calltaker")).json()["id"]
    with db.session() as s:
        enqueue(s, "notify", {"event": "sla_breach", "to": {"kind": "unit", "unit": "SZZX", "roles": ["supervisor"]},
                              "params": {"stage": "sign", "deadline": "2026-11-25T01:01:00Z"}},
                now=fake_clock.now(), case_id=cid)
    Dispatcher(db, settings=ChannelSettings(notify_backend="sms", sms_gateway_url=receiver.url)).run_once()
    [sms] = receiver.wait_for(1)
    assert sms.json()["phone"] == "13600000003"
    assert "超时" in sms.json()["text"] and "「签收」" in sms.json()["text"] and "11月25日 09:01" in sms.json()["text"]
