"""Intake at the phone: create a case and, in the same transaction, take the call-taker's decision —
assign it (一键派单), answer it on the call (直接答复办结), or link it to an earlier case as a duplicate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from minsheng.cases import service
from minsheng.cases.models import Case
from minsheng.cases.rows import require
from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.directory.actors import Actor
from minsheng.errors import InvalidField

DECISIONS = ("assign", "answer", "merge", "none")


@dataclass(frozen=True)
class IntakeDecision:
    then: str = "none"  # assign | answer | merge | none
    unit: str | None = None
    answer: str | None = None
    master_case_id: int | None = None
    category: str | None = None


def do_intake(session: Session, body: CaseCreate, decision: IntakeDecision, actor: Actor) -> Case:
    if decision.then not in DECISIONS:
        raise InvalidField("then", f"未知的受理方式 {decision.then}")
    if decision.then == "assign":
        require(decision.unit, "unit", "承办单位")
    elif decision.then == "answer":
        require(decision.answer, "answer", "答复内容")
    elif decision.then == "merge":
        require(decision.master_case_id, "master_case_id", "主案件")
    case = service.do_create_case(session, body, actor, follow_up=decision.then == "none")
    if decision.then == "assign" and not (case.status == "assigned" and case.unit_code == decision.unit):
        case = service.do_action(session, case.id, "assign", ActionBody(unit=decision.unit, category=decision.category),
                                 actor)
    elif decision.then == "answer":
        case = service.do_action(session, case.id, "answer_directly",
                                 ActionBody(text=decision.answer, category=decision.category), actor)
    elif decision.then == "merge":
        case = service.do_action(session, case.id, "merge", ActionBody(master_case_id=decision.master_case_id), actor)
    return case
