"""Intake at the phone: create a case and, in the same transaction, take the call-taker's decision —
assign it (一键派单), answer it on the call (直接答复办结), or link it to an earlier case as a duplicate."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
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


# the decision's fields, as the form names and labels them
_FORM_FIELDS = {"unit": ("unit", "承办单位"), "text": ("answer", "答复内容"), "category": ("category", "类别"),
                "master_case_id": ("master_case_id", "主案件")}


def _action_body(**fields: object) -> ActionBody:
    """The action's body, checked as the API checks it; a bad field is the form's InvalidField."""
    try:
        return ActionBody.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field, label = _FORM_FIELDS.get(str(error["loc"][0]) if error["loc"] else "", ("then", "受理方式"))
        limit = (error.get("ctx") or {}).get("max_length")
        raise InvalidField(field, f"{label}不能超过 {limit} 个字" if limit else f"{label}填写不正确") from None


def do_intake(session: Session, body: CaseCreate, decision: IntakeDecision, actor: Actor) -> Case:
    if decision.then not in DECISIONS:
        raise InvalidField("then", f"未知的受理方式 {decision.then}")
    action: tuple[str, ActionBody] | None = None
    if decision.then == "assign":
        require(decision.unit, "unit", "承办单位")
        action = "assign", _action_body(unit=decision.unit, category=decision.category)
    elif decision.then == "answer":
        require(decision.answer, "answer", "答复内容")
        action = "answer_directly", _action_body(text=decision.answer, category=decision.category)
    elif decision.then == "merge":
        require(decision.master_case_id, "master_case_id", "主案件")
        action = "merge", _action_body(master_case_id=decision.master_case_id)
    case, created = service.do_receive_case(session, body, actor, follow_up=decision.then == "none")
    if not created:  # the same form again (its source): the first time's case, decided then
        return case
    if action is not None and not (decision.then == "assign" and case.status == "assigned"
                                   and case.unit_code == decision.unit):
        case = service.do_action(session, case.id, action[0], action[1], actor)
    return case
