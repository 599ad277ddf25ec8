"""100 concurrent retries of one request create one case: real HTTP clients against a real server."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from minsheng.cases.models import Case
from minsheng.events.models import OutboxMessage
from minsheng.integrations.models import IdempotencyKey, IntakeLink
from tests.integrations.conftest import INTAKE

pytestmark = pytest.mark.postgres_only
N = 100


def fire(url: str, body: dict, headers: dict[str, str]) -> list[httpx.Response]:
    barrier = threading.Barrier(N)
    responses: list[httpx.Response] = []
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(timeout=60) as http:
            barrier.wait(timeout=30)
            resp = http.post(url, json=body, headers=headers)
        with lock:
            responses.append(resp)

    threads = [threading.Thread(target=one) for _ in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return responses


def counts(db) -> tuple[int, int, int, int]:
    with db.read_session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                     for m in (Case, IntakeLink, IdempotencyKey, OutboxMessage))


def test_100_concurrent_retries_by_source_id_make_one_case(live_server, make_key, db, backend) -> None:
    assert backend == "postgresql"
    key = make_key("12345")
    responses = fire(f"{live_server}/api/v1/intake/12345", {**INTAKE, "callback_url": "http://127.0.0.1:9/x"},
                     key.headers)
    assert Counter(r.status_code for r in responses) == {201: N}
    assert len({r.json()["case_id"] for r in responses}) == 1
    assert len({r.text for r in responses}) == 1  # the very same answer
    assert sum(1 for r in responses if r.headers.get("idempotent-replayed") != "true") == 1
    cases, links, _, outbox = counts(db)
    assert (cases, links) == (1, 1)
    assert outbox == 1  # one accepted-SMS to the citizen, not one per retry


def test_100_concurrent_retries_by_idempotency_key_make_one_case(live_server, make_key, db, backend) -> None:
    assert backend == "postgresql"
    key = make_key("110")
    body = {k: v for k, v in INTAKE.items() if k != "source_id"}
    responses = fire(f"{live_server}/api/v1/intake/110", body, {**key.headers, "Idempotency-Key": "k-100"})
    assert Counter(r.status_code for r in responses) == {201: N}
    assert len({r.text for r in responses}) == 1
    assert counts(db)[:3] == (1, 1, 1)
