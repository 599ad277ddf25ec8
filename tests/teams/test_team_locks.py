"""The team row is locked and read afresh when an action changes it (directory.lock_team), so
concurrent actions on two cases that share a team do not lose each other's update. PostgreSQL."""
from __future__ import annotations

import pytest

from minsheng import domains
from minsheng.cases.models import Case
from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.cases.service import do_action, do_create_case
from minsheng.directory.models import Team
from tests.concurrency import Background, Held, wait_until_blocked

pytestmark = pytest.mark.postgres_only


@pytest.fixture(autouse=True)
def _listeners(db):
    domains.load_listeners()


def _signed(db, actors) -> int:
    with db.session() as s:
        cid = do_create_case(s, CaseCreate(channel="12345", content="小区电梯困人，请尽快处理"), actors["calltaker"]).id
    with db.session() as s:
        do_action(s, cid, "assign", ActionBody(unit="ZX-DH"), actors["citydisp"])
    with db.session() as s:
        do_action(s, cid, "sign", ActionBody(), actors["dh_disp"])
    return cid


def _team(db):
    with db.read_session() as s:
        t = s.get(Team, "T-DH-1")
        return t.status, t.current_case_id


def test_feedback_on_the_old_case_does_not_undo_a_new_dispatch(db, actors, backend) -> None:
    """Team T-DH-1 is on case B. A dispatcher sends it to case A while B's handler feeds back B.
    the team ends en_route to A (the dispatch happened; B's feedback only frees the team
    if it is still B's). (Before the fix: B's feedback, which read the team before the dispatch committed,
    overwrites it: the team is 'on_duty' with no current case although case A is 'dispatched' to it.)"""
    b = _signed(db, actors)
    with db.session() as s:
        do_action(s, b, "dispatch_team", ActionBody(team="T-DH-1"), actors["dh_disp"])
    with db.session() as s:
        do_action(s, b, "arrive", ActionBody(), actors["dh_disp"])
    a = _signed(db, actors)
    assert _team(db) == ("on_site", b)

    dispatch = Held(db, lambda s: do_action(s, a, "dispatch_team", ActionBody(team="T-DH-1"),
                                            actors["dh_disp"])).start()

    def feedback():
        with db.session() as s:
            return do_action(s, b, "feedback", ActionBody(text="已处置完毕"), actors["dh_disp"])

    fb = Background(feedback)
    wait_until_blocked(db)
    dispatch.release()
    fb.join()
    assert fb.error is None
    with db.read_session() as s:
        case_a = s.get(Case, a)
    assert (case_a.status, case_a.team_code) == ("dispatched", "T-DH-1")
    assert _team(db) == ("en_route", a), f"team after both committed: {_team(db)}"
