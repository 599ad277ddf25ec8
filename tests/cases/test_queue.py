"""Queue columns: every open case in exactly one column; the scope of each viewer."""

from __future__ import annotations

from typing import Any

from minsheng.cases.models import Case
from minsheng.cases.queue import column_of, load_queue
from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.cases.service import do_action, do_create_case
from minsheng.directory.actors import Actor


def test_column_of() -> None:
    def c(status: str, overdue: bool = False, merged: bool = False) -> Case:
        return Case(status=status, overdue=overdue, merged=merged)

    assert column_of(c("received")) == "received"
    assert column_of(c("assigned")) == "assigned"
    assert [column_of(c(s)) for s in ("signed", "dispatched", "on_site", "replied")] == ["progress"] * 4
    assert column_of(c("signed", overdue=True)) == "overdue"
    assert column_of(c("closed", overdue=True)) is None
    assert column_of(c("assigned", merged=True)) is None


def test_load_queue_counts_and_scope(db: Any, actors: dict[str, Actor]) -> None:
    with db.session() as s:
        ids = [do_create_case(s, CaseCreate(channel="12345", content=f"路灯不亮{i}"), actors["calltaker"]).id
               for i in range(3)]
        do_action(s, ids[0], "assign", ActionBody(unit="ZX-DH"), actors["citydisp"])
        do_action(s, ids[1], "assign", ActionBody(unit="ZX-DH"), actors["citydisp"])
        do_action(s, ids[1], "sign", ActionBody(), actors["dh_disp"])
        s.get(Case, ids[1]).overdue = True  # type: ignore[union-attr]
    with db.read_session() as s:
        city = load_queue(s, actors["citydisp"])
        assert city.counts == {"received": 1, "assigned": 1, "progress": 0, "overdue": 1}
        assert [c.id for c in city.rows["received"]] == [ids[2]]
        town = load_queue(s, actors["dh_disp"])
        assert town.counts == {"received": 0, "assigned": 1, "progress": 0, "overdue": 1}
        empty = dict.fromkeys(("received", "assigned", "progress", "overdue"), 0)
        assert load_queue(s, actors["zd_disp"]).counts == empty


def test_the_overdue_column_reads_longest_overdue_first_and_others_newest_first(db: Any,
                                                                               actors: dict[str, Actor]) -> None:
    with db.session() as s:
        ids = [do_create_case(s, CaseCreate(channel="12345", content=f"路灯不亮{i}"), actors["calltaker"]).id
               for i in range(6)]
        for cid in ids[:3]:
            s.get(Case, cid).overdue = True  # type: ignore[union-attr]
    with db.read_session() as s:
        queue = load_queue(s, actors["citydisp"], limit=2)
    assert [c.id for c in queue.rows["overdue"]] == ids[:2]  # the oldest (longest overdue) on top
    assert [c.id for c in queue.rows["received"]] == [ids[5], ids[4]]
    assert queue.counts["overdue"] == 3 and queue.counts["received"] == 3
