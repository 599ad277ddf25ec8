"""The whole group flow on PostgreSQL, and members acting at the same moment on real connections."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from minsheng import domains
from minsheng.cases.models import Case, CaseEvent
from minsheng.cases.schemas import CaseCreate
from minsheng.cases.service import do_create_case
from minsheng.db import Database
from minsheng.errors import DomainError
from minsheng.groups import service
from minsheng.groups.models import Group
from minsheng.groups.schemas import GroupForm
from tests.groups.helpers import HARD_CASE
from tests.groups.test_views import run_whole_flow

pytestmark = pytest.mark.postgres_only


def test_the_whole_flow_on_postgresql(client, login, db, fake_clock, backend) -> None:
    assert backend == "postgresql" and db.is_postgres
    case = run_whole_flow(client, login, db, fake_clock)
    with db.read_session() as s:
        group = s.scalars(select(Group).where(Group.case_id == case["id"])).one()
        assert group.status == "closed" and all(m.part_at is not None for m in group.members)


def _race(calls: list[Callable[[], object]]) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            result = "ok"
        except DomainError as exc:
            result = exc.code
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(outcomes)


def test_members_signing_at_once_are_all_recorded_and_the_case_signs_once(db: Database, actors, backend) -> None:
    assert backend == "postgresql"
    domains.load_listeners()
    body = CaseCreate(**{k: v for k, v in HARD_CASE.items()})
    with db.session() as s:
        case_id = do_create_case(s, body, actors["calltaker"]).id
        service.do_form_group(s, case_id, GroupForm(lead="ZJJ", members=["ZFJ", "ZX-DH"]), actors["citydisp"])

    def sign(name: str) -> Callable[[], object]:
        def call() -> object:
            with db.session() as s:
                return service.do_member_sign(s, case_id, actors[name])
        return call

    # the lead twice (two of its staff) and both co-units, all at once
    assert _race([sign("zjj"), sign("zjj"), sign("zfj"), sign("dh_disp")]) == ["conflict", "ok", "ok", "ok"]
    with db.read_session() as s:
        case = s.get(Case, case_id)
        assert case is not None and case.status == "signed"
        group = s.get(Group, case.group_id)
        assert group is not None and all(m.signed_at is not None for m in group.members)
        signs = s.scalar(select(func.count()).where(CaseEvent.case_id == case_id, CaseEvent.action == "sign"))
        assert signs == 1

    # the last part and the joint feedback race: the feedback never goes out without every part
    with db.session() as s:
        service.do_record_part(s, case_id, "已查处", actors["zfj"])

    def part() -> object:
        with db.session() as s:
            return service.do_record_part(s, case_id, "已清理", actors["dh_disp"])

    def feedback() -> object:
        with db.session() as s:
            return service.do_joint_feedback(s, case_id, "联合答复", actors["zjj"])

    outcomes = _race([part, feedback])
    with db.read_session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        if outcomes == ["ok", "ok"]:  # the part went first
            assert case.status == "replied" and "已清理" in (case.feedback_text or "")
        else:
            assert outcomes == ["conflict", "ok"] and case.status == "signed"
