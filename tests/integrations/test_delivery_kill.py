"""Killing the server between commit and delivery loses nothing, and nothing arrives twice.

A real server process (uvicorn) on PostgreSQL commits a case action that enqueues a hand-back
webhook; the process is SIGKILLed before the webhook is delivered; after a restart the webhook
reaches a local receiver on 127.0.0.1 exactly once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import select

from minsheng.events.models import OutboxMessage
from minsheng.integrations.models import DeliveryAttempt
from tests.conftest import PASSWORD
from tests.integrations.conftest import INTAKE, start_receiver

pytestmark = pytest.mark.postgres_only


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(*, dispatch: bool) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {**os.environ, "MINSHENG_DISPATCH_IN_PROCESS": "true" if dispatch else "false",
           "MINSHENG_DISPATCH_INTERVAL_SECONDS": "0.1", "MINSHENG_BACKOFF_BASE_SECONDS": "0.2",
           "MINSHENG_BACKOFF_CAP_SECONDS": "0.5"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "minsheng.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"], env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "server exited"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def answer_case(base: str, key_plain: str, callback_url: str) -> int:
    resp = httpx.post(f"{base}/api/v1/intake/110", json={**INTAKE, "callback_url": callback_url},
                      headers={"Authorization": f"Bearer {key_plain}"})
    assert resp.status_code == 201, resp.text
    case_id = int(resp.json()["case_id"])
    token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "calltaker", "password": PASSWORD}).json()
    resp = httpx.post(f"{base}/api/v1/cases/{case_id}/actions/answer_directly", json={"text": "已转交属地派出所并答复"},
                      headers={"Authorization": f"Bearer {token['access_token']}"})
    assert resp.status_code == 200, resp.text
    return case_id


def webhook_row(db, case_id: int) -> OutboxMessage:
    with db.read_session() as s:
        return s.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id,
                                                     OutboxMessage.topic == "webhook")).one()


def attempts(db, outbox_id: int) -> list[DeliveryAttempt]:
    with db.read_session() as s:
        return list(s.scalars(select(DeliveryAttempt).where(DeliveryAttempt.outbox_id == outbox_id)
                              .order_by(DeliveryAttempt.id)))


def test_sigkill_after_commit_before_delivery_loses_nothing(db, backend, make_key) -> None:
    assert backend == "postgresql"
    key = make_key("110")
    receiver, http_server = start_receiver()
    try:
        with server(dispatch=False) as (base, proc):
            case_id = answer_case(base, key.plain, receiver.url)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        row = webhook_row(db, case_id)
        assert row.delivered_at is None and receiver.received == []  # committed, not delivered
        with server(dispatch=True):
            got = receiver.wait_for(1, timeout=20)
            time.sleep(1.0)  # give a duplicate every chance to show up
            got = list(receiver.received)
        hooks = [r for r in got if r.headers.get("X-Minsheng-Event") == "case.closed"]
        assert len(hooks) == 1 and hooks[0].json()["case"]["id"] == case_id
        row = webhook_row(db, case_id)
        assert row.delivered_at is not None and row.attempts == 1
    finally:
        http_server.shutdown()
        http_server.server_close()


def test_sigkill_while_the_sender_is_down_then_restart_delivers_once(db, backend, make_key) -> None:
    assert backend == "postgresql"
    key = make_key("110")
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"  # nothing listens yet: every try is refused
    with server(dispatch=True) as (base, proc):
        case_id = answer_case(base, key.plain, url)
        deadline = time.monotonic() + 20
        while webhook_row(db, case_id).attempts < 2:
            assert time.monotonic() < deadline, "the dispatcher did not try"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    failed = attempts(db, webhook_row(db, case_id).id)
    assert len(failed) >= 2 and not any(a.ok for a in failed)
    receiver, http_server = start_receiver(port)  # the sender is back
    try:
        with server(dispatch=True):
            receiver.wait_for(1, timeout=20)
            time.sleep(1.0)
        events = Counter(r.headers.get("X-Minsheng-Event") for r in receiver.received)
        assert events == {"case.closed": 1}
        row = webhook_row(db, case_id)
        history = attempts(db, row.id)
        assert row.delivered_at is not None and history[-1].ok and row.attempts == len(history)
        assert [a.ok for a in history].count(True) == 1
    finally:
        http_server.shutdown()
        http_server.server_close()
