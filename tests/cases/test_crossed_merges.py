"""Two dispatchers merge A into B and B into A at the same moment: each action locks its case, then
the master, in opposite orders, and PostgreSQL aborts one of them as a deadlock. The loser is told
to try again (409, code "retry"), never a 500. PostgreSQL, real connections."""
from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.cases.service import do_action, do_create_case

pytestmark = pytest.mark.postgres_only


def test_crossed_merges_answer_a_domain_error_not_a_500(app, db, actors, login, backend) -> None:
    headers = login("citydisp")
    statuses: list[int] = []
    with TestClient(app, raise_server_exceptions=False) as http:
        for _ in range(15):
            with db.session() as s:
                a = do_create_case(s, CaseCreate(channel="12345", content="小区电梯困人"), actors["calltaker"]).id
                b = do_create_case(s, CaseCreate(channel="12345", content="小区电梯困人了"), actors["calltaker"]).id
                for cid in (a, b):
                    do_action(s, cid, "assign", ActionBody(unit="ZX-DH"), actors["citydisp"])
            barrier = threading.Barrier(2)
            got: list[int] = []

            def merge(case_id: int, master: int, barrier: threading.Barrier = barrier,
                      got: list[int] = got) -> None:
                barrier.wait(10)
                r = http.post(f"/api/v1/cases/{case_id}/actions/merge", json={"master_case_id": master},
                              headers=headers)
                got.append(r.status_code)

            threads = [threading.Thread(target=merge, args=p) for p in ((a, b), (b, a))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            statuses.extend(got)
            if 500 in got:
                break
    assert 500 not in statuses and set(statuses) <= {200, 409, 422}, f"statuses over the rounds: {statuses}"
