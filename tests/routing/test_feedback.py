"""Dispatcher overrides kept as training signal, and training data read back from the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.cases.service import do_action, do_create_case
from minsheng.routing.feedback import examples_from_db
from minsheng.routing.tables import RoutingOverride

MANHOLE = "当湖街道水洞埭社区门口窨井盖缺失，夜里有人差点踩空"


def new(db: Any, actor: Any, content: str = MANHOLE) -> int:
    with db.session() as s:
        return do_create_case(s, CaseCreate(channel="12345", content=content), actor).id


def act(db: Any, case_id: int, action: str, actor: Any, **body: Any) -> None:
    with db.session() as s:
        do_action(s, case_id, action, ActionBody(**body), actor)


def overrides(db: Any) -> list[tuple[Any, ...]]:
    with db.read_session() as s:
        return [(o.case_id, o.action, o.suggested_category, o.chosen_category, o.suggested_unit, o.chosen_unit,
                 o.actor_name) for o in s.scalars(select(RoutingOverride).order_by(RoutingOverride.id))]


def test_accepting_the_suggestion_records_nothing(db, actors, routed) -> None:
    cid = new(db, actors["calltaker"])
    act(db, cid, "assign", actors["citydisp"], unit="ZJJ")
    assert overrides(db) == []


def test_another_unit_or_category_is_recorded(db, actors, routed) -> None:
    city = actors["citydisp"]
    a = new(db, actors["calltaker"])
    act(db, a, "assign", city, unit="ZX-DH")
    b = new(db, actors["calltaker"])
    act(db, b, "assign", city, unit="ZFJ", category="CG01")
    assert overrides(db) == [(a, "assign", "SZ02", "SZ02", "ZJJ", "ZX-DH", "citydisp"),
                             (b, "assign", "SZ02", "CG01", "ZJJ", "ZFJ", "citydisp")]


def test_an_answer_under_another_category_is_recorded_once(db, actors, routed) -> None:
    cid = new(db, actors["calltaker"])
    act(db, cid, "answer_directly", actors["calltaker"], text="已转告养护单位", category="ZX01")
    assert overrides(db) == [(cid, "answer_directly", "SZ02", "ZX01", "ZJJ", None, "calltaker")]


def test_a_case_closing_under_another_category_is_recorded(db, actors, routed) -> None:
    city, zjj, sup = actors["citydisp"], actors["zjj"], actors["supervisor"]
    cid = new(db, actors["calltaker"])
    act(db, cid, "assign", city, unit="ZJJ")
    with db.session() as s:  # re-categorised without an assign (e.g. by a data fix): the close tells
        from minsheng.cases.models import Case

        case = s.get(Case, cid)
        assert case is not None
        case.category_code = "SZ01"
    act(db, cid, "sign", zjj)
    act(db, cid, "feedback", zjj, text="已处理")
    act(db, cid, "approve", sup)
    assert overrides(db) == [(cid, "approve", "SZ02", "SZ01", "ZJJ", None, "supervisor")]


def test_the_automatic_assignment_is_not_an_override(db, actors, routed, auto_assign) -> None:
    cid = new(db, actors["calltaker"])
    with db.read_session() as s:
        from minsheng.cases.models import Case

        case = s.get(Case, cid)
        assert case is not None and case.status == "assigned"
    assert overrides(db) == []


def test_training_examples_are_closed_cases_and_overridden_open_ones(db, actors, routed) -> None:
    ct, city = actors["calltaker"], actors["citydisp"]
    closed = new(db, ct)
    act(db, closed, "answer_directly", ct, text="已转告", category="SZ02")
    corrected = new(db, ct, "小区门口人行道上有人摆摊卖水果")
    act(db, corrected, "assign", city, unit="ZX-DH", category="CG02")
    untouched = new(db, ct, "路灯不亮")
    merged = new(db, ct)
    act(db, merged, "merge", city, master_case_id=corrected)
    with db.read_session() as s:
        examples = examples_from_db(s)
    assert [(e.id, e.label) for e in examples] == [(f"case:{closed}", "SZ02"), (f"case:{corrected}", "CG02")]
    assert untouched and examples[0].text == MANHOLE
