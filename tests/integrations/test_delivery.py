"""The outbox dispatcher: signed webhooks to a local receiver, retries with backoff until 2xx,
delivery history on the case, exactly-once claiming by concurrent dispatchers."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from minsheng.events.models import OutboxMessage
from minsheng.events.outbox import enqueue
from minsheng.integrations.delivery import Dispatcher, backoff_seconds
from minsheng.integrations.notify.backends import LogNotifier
from minsheng.integrations.settings import ChannelSettings
from minsheng.integrations.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.integrations.test_handback import act, intake

SETTINGS = ChannelSettings(backoff_base_seconds=10, backoff_cap_seconds=600, delivery_timeout_seconds=3)


def dispatcher(db, **kwargs) -> Dispatcher:  # type: ignore[no-untyped-def]
    return Dispatcher(db, settings=SETTINGS, notifier=LogNotifier(), rng=random.Random(1), **kwargs)


def outbox(db, topic: str = "webhook") -> list[OutboxMessage]:
    with db.read_session() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id)))


def test_backoff_doubles_up_to_the_cap_and_jitter_keeps_half_to_all_of_it() -> None:
    plain = [backoff_seconds(n, base=10, cap=600, jitter=0.999999) for n in range(1, 10)]
    assert [round(x) for x in plain] == [10, 20, 40, 80, 160, 320, 600, 600, 600]
    assert backoff_seconds(3, base=10, cap=600, jitter=0.0) == 20.0
    assert backoff_seconds(10**6, base=10, cap=600, jitter=0.5) == 450.0  # no overflow on huge counts


def test_a_signed_webhook_reaches_the_sender_and_the_case_shows_it(client, make_key, login, db, receiver) -> None:
    key = make_key("12345")
    cid = intake(client, key, callback_url=receiver.url)
    act(client, login("calltaker"), cid, "answer_directly", text="已安排维修，明日更换井盖")
    assert dispatcher(db).run_once() >= 1
    [got] = receiver.wait_for(1)
    assert got.headers["X-Minsheng-Event"] == "case.closed"
    assert verify(key.secret, got.body, timestamp=got.headers[TIMESTAMP_HEADER],
                  signature_header=got.headers[SIGNATURE_HEADER], now=time.time())
    body = got.json()
    assert body["event"] == "case.closed" and body["source_id"] == "GD202611250001"
    assert body["case"]["id"] == cid and body["case"]["public_answer"] == "已安排维修，明日更换井盖"
    [row] = outbox(db)
    assert row.delivered_at is not None and row.attempts == 1 and got.headers[DELIVERY_HEADER] == str(row.id)
    history = client.get(f"/api/v1/cases/{cid}/deliveries", headers=login("citydisp")).json()
    hook = next(h for h in history if h["topic"] == "webhook")
    assert hook["delivered"] and [a["status_code"] for a in hook["history"]] == [200]
    detail = client.get(f"/api/v1/cases/{cid}", headers=login("citydisp")).json()
    assert detail["extra"]["handback"]["deliveries"][0]["delivered"] is True
    assert dispatcher(db).run_once() == 0  # nothing left: delivered once


def test_failures_are_retried_with_backoff_until_a_2xx(client, make_key, login, db, receiver, fake_clock) -> None:
    receiver.statuses = [500, 503]
    cid = intake(client, make_key("110"), "110", callback_url=receiver.url)
    act(client, login("calltaker"), cid, "answer_directly", text="已处理")
    d = dispatcher(db)
    d.run_once()
    [row] = outbox(db)
    assert row.attempts == 1 and row.delivered_at is None and "HTTP 500" in (row.last_error or "")
    first_delay = (row.available_at - fake_clock.now()).total_seconds()
    assert 5 <= first_delay <= 10
    assert d.run_once() == 0  # not due yet
    fake_clock.advance(seconds=first_delay + 0.1)
    d.run_once()
    [row] = outbox(db)
    second_delay = (row.available_at - fake_clock.now()).total_seconds()
    assert row.attempts == 2 and 10 <= second_delay <= 20
    fake_clock.advance(seconds=second_delay + 0.1)
    d.run_once()
    [row] = outbox(db)
    assert row.delivered_at is not None and row.attempts == 3 and row.last_error is None
    assert len(receiver.wait_for(3)) == 3
    assert len({r.headers[DELIVERY_HEADER] for r in receiver.received}) == 1  # same delivery id each time
    history = client.get(f"/api/v1/cases/{cid}/deliveries", headers=login("citydisp")).json()
    hook = next(h for h in history if h["topic"] == "webhook")
    assert [(a["ok"], a["status_code"]) for a in hook["history"]] == [(False, 500), (False, 503), (True, 200)]


def test_an_unreachable_sender_is_recorded_and_retried(client, make_key, login, db, fake_clock) -> None:
    cid = intake(client, make_key("12345"), callback_url="http://127.0.0.1:9/down")
    act(client, login("calltaker"), cid, "answer_directly", text="已处理")
    d = dispatcher(db)
    d.run_once()
    [row] = outbox(db)
    assert row.delivered_at is None and row.attempts == 1 and "ConnectError" in (row.last_error or "")
    fake_clock.advance(seconds=11)
    d.run_once()
    assert outbox(db)[0].attempts == 2


def test_other_topics_are_left_alone(db, fake_clock) -> None:
    with db.session() as s:
        enqueue(s, "console", {"x": 1}, now=fake_clock.now())
    assert dispatcher(db).run_once() == 0
    assert outbox(db, "console")[0].attempts == 0


@pytest.mark.postgres_only
def test_concurrent_dispatchers_deliver_each_message_exactly_once(db, backend, receiver, make_key,
                                                                  fake_clock) -> None:
    assert backend == "postgresql"
    key = make_key("12345")
    with db.session() as s:
        for i in range(60):
            enqueue(s, "webhook", {"url": receiver.url, "event": "case.closed", "client": key.id, "body": {"i": i}},
                    now=fake_clock.now() - timedelta(seconds=1))
    workers = [Dispatcher(db, settings=ChannelSettings(dispatch_batch=5), notifier=LogNotifier()) for _ in range(4)]
    done = threading.Event()

    def work(d: Dispatcher) -> None:
        while not done.is_set():
            if d.run_once() == 0:
                return

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    got = receiver.wait_for(60)
    counts = Counter(r.json()["i"] for r in got)
    assert sorted(counts) == list(range(60)) and set(counts.values()) == {1}
    assert all(r.delivered_at is not None and r.attempts == 1 for r in outbox(db))


def test_the_sender_sees_the_status_of_a_failed_delivery_not_what_its_address_answered(
        client, make_key, login, db, receiver) -> None:
    receiver.statuses = [500]
    key = make_key("110")
    cid = intake(client, key, "110", callback_url=receiver.url)
    act(client, login("calltaker"), cid, "answer_directly", text="已处理")
    dispatcher(db).run_once()
    [row] = outbox(db)
    assert row.last_error == "HTTP 500: ok"  # the operators' record keeps the answer
    status = client.get("/api/v1/intake/110/GD202611250001", headers=key.headers).json()
    assert [w["last_error"] for w in status["webhooks"]] == ["HTTP 500"]
