"""Two users signing the same case at the same moment: exactly one succeeds (real connections)."""

from __future__ import annotations

import threading

import pytest

from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.cases.service import do_action, do_create_case
from minsheng.db import Database
from minsheng.errors import Conflict

pytestmark = pytest.mark.postgres_only


def test_two_simultaneous_signs_one_wins(db: Database, actors, backend) -> None:
    assert backend == "postgresql"
    with db.session() as s:
        case = do_create_case(s, CaseCreate(channel="12345", content="小区电梯困人，请尽快处理"), actors["calltaker"])
        do_action(s, case.id, "assign", ActionBody(unit="ZX-DH"), actors["citydisp"])
    case_id = case.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def sign(actor_name: str) -> None:
        try:
            with db.session() as s:
                barrier.wait(timeout=10)
                do_action(s, case_id, "sign", ActionBody(note=actor_name), actors[actor_name])
            result = "ok"
        except Conflict:
            result = "conflict"
        with lock:
            outcomes.append(result)

    for _ in range(5):  # several rounds: the race must be settled the same way every time
        outcomes.clear()
        with db.session() as s:
            if do_action(s, case_id, "return", ActionBody(reason="重新派单"), actors["dh_disp"]).status:
                do_action(s, case_id, "assign", ActionBody(unit="ZX-DH"), actors["citydisp"])
        threads = [threading.Thread(target=sign, args=(name,)) for name in ("dh_disp", "admin")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(outcomes) == ["conflict", "ok"]
