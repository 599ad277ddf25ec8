"""Batch intake (the group commit's write): the effects of one do_create_case per request."""

from __future__ import annotations

from sqlalchemy import func, select

from minsheng.cases import service
from minsheng.cases.batch import do_create_cases
from minsheng.cases.models import Case, CaseEvent
from minsheng.cases.schemas import CaseCreate
from minsheng.events.models import OutboxMessage


def body(n: int, **extra: object) -> CaseCreate:
    return CaseCreate.model_validate({"channel": "12345", "content": f"第{n}号诉求：小区门口路灯不亮",
                                      "address": "当湖街道", **extra})


def test_a_batch_writes_what_single_intakes_write(app, db, actors) -> None:
    """`app`: the domains' listeners (notices) are registered."""
    ct = actors["calltaker"]
    with db.session() as s:
        single = service.do_create_case(s, body(0, citizen_phone="13800000000", citizen_name="甲"), ct)
        single_id = single.id
    items = [(body(1, citizen_phone="13800000001", citizen_name="乙"), ct), (body(2), ct),
             (body(3, category="CG05", priority=2), ct)]
    with db.session() as s:
        cases = do_create_cases(s, items)
        ids = [c.id for c in cases]
        assert [c.status for c in cases] == ["received"] * 3
    with db.read_session() as s:
        rows = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_([single_id, *ids])))}
        assert len({c.number for c in rows.values()}) == 4
        assert [rows[i].content for i in ids] == [b.content for b, _ in items]  # ids follow the items
        assert rows[ids[2]].priority == 2 and rows[ids[2]].category_code == "CG05" and rows[ids[2]].track == "urgent"
        assert rows[ids[0]].citizen_phone == "13800000001" and rows[ids[1]].citizen_phone is None
        events = s.execute(select(CaseEvent.case_id, CaseEvent.action, CaseEvent.to_status, CaseEvent.actor_name)
                           .where(CaseEvent.case_id.in_(ids))).all()
        assert sorted(events) == sorted((i, "create", "received", ct.label) for i in ids)
        notices = {m.case_id: m for m in s.scalars(select(OutboxMessage).where(
            OutboxMessage.case_id.in_([single_id, *ids])))}
        # the citizen with a phone is told the request was accepted, as by a single intake
        assert set(notices) == {single_id, ids[0]}
        one, many = notices[single_id], notices[ids[0]]
        assert (one.topic, one.payload["event"], one.payload["to"]) == (many.topic, many.payload["event"],
                                                                         many.payload["to"])
        assert many.payload["params"]["number"] == rows[ids[0]].number
        assert many.dedupe_key and many.dedupe_key.startswith("notify:")


def test_a_retried_source_record_gets_its_case_within_and_across_batches(db, actors) -> None:
    ct = actors["calltaker"]
    with db.session() as s:
        first = do_create_cases(s, [(body(1, source_system="12345", source_id="A-1"), ct)])[0].id
    with db.session() as s:
        cases = do_create_cases(s, [(body(1, source_system="12345", source_id="A-1"), ct),
                                    (body(2, source_system="12345", source_id="A-2"), ct),
                                    (body(2, source_system="12345", source_id="A-2"), ct),
                                    (body(3, source_system="", source_id=""), ct)])
        got = [c.id for c in cases]
    assert got[0] == first and got[1] == got[2] and len(set(got)) == 3
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Case).where(Case.source_id == "A-2")) == 1
        assert s.scalar(select(Case.source_system).where(Case.id == got[3])) is None


def test_one_action_on_many_cases_writes_what_one_by_one_writes(app, db, actors) -> None:
    from minsheng.cases import workflow as wf
    from minsheng.cases.batch import do_action_many
    from minsheng.cases.schemas import ActionBody
    from minsheng.clock import utcnow
    from minsheng.sla.models import SlaClock, SlaTimer

    ct, city = actors["calltaker"], actors["citydisp"]
    with db.session() as s:
        ids = [c.id for c in do_create_cases(s, [(body(i, citizen_phone="13800000001"), ct) for i in range(4)])]
    with db.session() as s:
        service.do_action(s, ids[0], "assign", ActionBody(unit="ZX-DH"), city)
        service.do_action(s, ids[3], "answer_directly", ActionBody(text="已当场答复"), city)  # closed
    with db.session() as s:
        cases = [s.get(Case, i) for i in ids[1:]]
        done = do_action_many(s, [(c, ActionBody(unit="ZX-DH", note="批量")) for c in cases if c], wf.Action.ASSIGN,
                              city, utcnow())
        assert [c.id for c in done] == ids[1:3]  # the closed case is left as it was

    def footprint(case_id: int) -> tuple:
        with db.read_session() as s:
            case = s.get(Case, case_id)
            assert case is not None
            events = s.execute(select(CaseEvent.action, CaseEvent.from_status, CaseEvent.to_status)
                               .where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()
            clocks = s.execute(select(SlaClock.stage, SlaClock.unit_code, SlaClock.state, SlaClock.deadline)
                               .where(SlaClock.case_id == case_id)).all()
            timers = s.execute(select(SlaTimer.kind, SlaTimer.due_at).where(SlaTimer.case_id == case_id)
                               .order_by(SlaTimer.due_at)).all()
            # the message and its recipients and fields other than the case's own (the unit's name)
            notices = sorted((m.payload["event"], str(m.payload["to"]), m.payload["params"].get("unit_name"))
                             for m in s.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id)))
            return (case.status, case.unit_code, case.level, case.command_unit_code, [tuple(e) for e in events],
                    [tuple(c)[:3] for c in clocks], [t.kind for t in timers], notices)

    single = footprint(ids[0])
    assert single[0] == "assigned" and single[5] and single[6]
    assert ("case_assigned", str({"kind": "unit", "unit": "ZX-DH", "roles": ["town_dispatcher", "handler",
                                                                           "city_dispatcher"]}),
            "当湖街道综合信息指挥室") in single[7]
    assert footprint(ids[1]) == single and footprint(ids[2]) == single


def test_cases_with_and_without_optional_fields_share_one_insert(db, actors, monkeypatch) -> None:
    from minsheng.cases import batch

    statements: list[list[dict[str, object]]] = []
    real = batch.insert_rows

    def counting(session: object, table: object, rows: list[dict[str, object]], **kw: object) -> list[int]:
        if table is batch._CASES:
            statements.append(rows)
        return real(session, table, rows, **kw)

    monkeypatch.setattr(batch, "insert_rows", counting)
    ct = actors["calltaker"]
    items = [(body(1, citizen_phone="13800000001", citizen_name="乙", lng=121.0, lat=30.7), ct), (body(2), ct),
             (body(3, category="CG05", source_system="110", source_id="JJ-9"), ct)]
    with db.session() as s:
        ids = [c.id for c in do_create_cases(s, items)]
    assert len(statements) == 1 and len(statements[0]) == 3
    with db.read_session() as s:
        rows = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_(ids)))}
    first, second, third = (rows[i] for i in ids)
    assert (first.citizen_name, first.lng, first.source_system, first.source_id) == ("乙", 121.0, None, None)
    assert (second.citizen_name, second.citizen_phone, second.lng, second.lat) == (None, None, None, None)
    assert (third.category_code, third.track, third.source_system, third.source_id) == ("CG05", "urgent", "110", "JJ-9")
    assert {c.status for c in rows.values()} == {"received"}
