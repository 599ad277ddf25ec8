"""POST /api/v1/cases with a sender's record (source_system + source_id) is idempotent also when the
retry arrives while the first attempt is still being written by another transaction: the retry's
INSERT waits on uq_cases_source and is refused, and the answer is the first attempt's case
(service.do_receive_case), not a 500. PostgreSQL, real concurrent connections."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from minsheng import domains
from minsheng.cases.schemas import CaseCreate
from minsheng.cases.service import do_create_case
from tests.concurrency import Background, Held, wait_until_blocked

pytestmark = pytest.mark.postgres_only
BODY = {"channel": "app", "content": "小区路灯不亮好几天了", "address": "当湖街道", "source_system": "app",
        "source_id": "APP-20261125-0001"}


def test_a_retry_racing_the_first_attempt_gets_the_same_case_not_a_500(app, db, actors, login, backend) -> None:
    domains.load_listeners()
    headers = login("calltaker")
    first = Held(db, lambda s: do_create_case(s, CaseCreate(**BODY), actors["calltaker"])).start()
    with TestClient(app, raise_server_exceptions=False) as http:
        retry = Background(lambda: http.post("/api/v1/cases", json=BODY, headers=headers))
        wait_until_blocked(db)  # the retry's INSERT waits for the first attempt's uncommitted row
        first.release()
        retry.join()
    resp = retry.result
    assert resp.status_code == 201 and resp.json()["id"] == first.result.id, (resp.status_code, resp.text[:300])
