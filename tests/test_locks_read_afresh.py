"""Checks made under a row lock see the row as the lock found it (db.for_update(fresh=True)): a
row this session read before the lock would otherwise keep SQLAlchemy's earlier values, and two
concurrent decisions would both pass. Extension decisions, review upholds, citizens' ratings.
PostgreSQL, real concurrent connections."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from minsheng import domains
from minsheng.cases.models import Case, CaseEvent
from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.cases.service import do_action, do_create_case
from minsheng.errors import Conflict
from minsheng.integrations.citizen import service as citizen
from minsheng.integrations.models import ReviewRequest
from minsheng.integrations.reviews import do_uphold
from minsheng.sla.extensions import decide_extension, request_extension
from minsheng.sla.models import ExtensionRequest
from tests.concurrency import Background, Held, wait_until_blocked

pytestmark = pytest.mark.postgres_only


@pytest.fixture(autouse=True)
def _listeners(db):
    domains.load_listeners()


def _closed_case(db, actors, phone="13500001111") -> int:
    with db.session() as s:
        cid = do_create_case(s, CaseCreate(channel="web", content="小区门口占道经营", citizen_phone=phone),
                             actors["calltaker"]).id
    for action, user, body in (("assign", "citydisp", {"unit": "ZFJ"}), ("sign", "zfj", {}),
                               ("feedback", "zfj", {"text": "已劝离"}), ("approve", "supervisor", {})):
        with db.session() as s:
            do_action(s, cid, action, ActionBody(**body), actors[user])
    return cid


def _count(db, model, *where) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_two_decisions_on_one_extension_request_only_one_applies(db, actors, fake_clock, backend) -> None:
    """citydisp approves while supervisor rejects the same request. the second decision
    is a Conflict ("该延期申请已处理"). (Before the fix: both commit; the request ends 'rejected' although the
    approval's `extend` line stands and the deadline moved.)"""
    with db.session() as s:
        cid = do_create_case(s, CaseCreate(channel="12345", content="广场舞音响太吵，晚上十点还没停",
                                           category="JC02"), actors["calltaker"]).id
    with db.session() as s:
        do_action(s, cid, "assign", ActionBody(unit="ZX-DH"), actors["citydisp"])
    now = fake_clock.now()
    with db.session() as s:
        rid = request_extension(s, cid, actors["dh_disp"], stage="feedback", until=now + timedelta(hours=48),
                                reason="需等待供电公司检修", now=now).id

    approve = Held(db, lambda s: decide_extension(s, rid, actors["citydisp"], approve=True, note="同意",
                                                  now=now)).start()
    reject = Background(lambda: _decide_reject(db, actors, rid, now))
    wait_until_blocked(db)  # the rejection read the request (pending) and waits for the case lock
    approve.release()
    reject.join()

    extends = _count(db, CaseEvent, CaseEvent.case_id == cid, CaseEvent.action == "extend")
    rejections = _count(db, CaseEvent, CaseEvent.case_id == cid, CaseEvent.action == "extension_rejected")
    with db.read_session() as s:
        status = s.get(ExtensionRequest, rid).status
    assert isinstance(reject.error, Conflict), (
        f"second decision committed: request status={status}, extend lines={extends}, rejections={rejections}")


def _decide_reject(db, actors, rid, now):
    with db.session() as s:
        return decide_extension(s, rid, actors["supervisor"], approve=False, note="不予延期", now=now)


def test_uphold_racing_a_reopen_does_not_uphold_a_reopened_case(db, actors, backend) -> None:
    """A supervisor reopens the case (resolving its review as 'reopened') while another upholds the
    same review. the uphold is a Conflict ("该复核申请已处理"). (Before the fix: it commits, the
    review ends 'upheld' and 'review_upheld' is written on a case that was reopened.)"""
    cid = _closed_case(db, actors)
    with db.session() as s:
        do_action(s, cid, "callback", ActionBody(rating="unsatisfied", comment="第二天又来了"), actors["calltaker"])
    with db.read_session() as s:
        [review_id] = s.scalars(select(ReviewRequest.id))

    reopen = Held(db, lambda s: do_action(s, cid, "reopen", ActionBody(reason="群众反映仍在占道"),
                                          actors["supervisor"])).start()

    def uphold():
        with db.session() as s:
            return do_uphold(s, review_id, "已依法处置", actors["citydisp"], now=fake_now())

    from minsheng.clock import utcnow as fake_now
    upheld = Background(uphold)
    wait_until_blocked(db)
    reopen.release()
    upheld.join()
    with db.read_session() as s:
        review = s.get(ReviewRequest, review_id)
        case = s.get(Case, cid)
    assert isinstance(upheld.error, Conflict), (
        f"uphold committed after the reopen: review={review.status}, case={case.status}")


def test_a_double_submitted_citizen_rating_is_recorded_once(db, actors, backend) -> None:
    """The citizen double-clicks 「提交评价」 (unsatisfied). one callback, one review
    request, the second POST told it is already rated. (Before the fix: two callback lines, two review
    requests and two notifications to the centre.)"""
    cid = _closed_case(db, actors)
    with db.read_session() as s:
        token = citizen.rating_token(s.get(Case, cid))
    from minsheng.clock import utcnow

    first = Held(db, lambda s: citizen.rate(s, token, "unsatisfied", "没解决", now=utcnow())).start()

    def second():
        with db.session() as s:
            return citizen.rate(s, token, "unsatisfied", "没解决", now=utcnow())

    again = Background(second)
    wait_until_blocked(db)
    first.release()
    again.join()
    callbacks = _count(db, CaseEvent, CaseEvent.case_id == cid, CaseEvent.action == "callback")
    reviews = _count(db, ReviewRequest, ReviewRequest.case_id == cid)
    assert isinstance(again.error, Conflict) and (callbacks, reviews) == (1, 1), (
        f"second rating error={again.error!r}; callback lines={callbacks}, review requests={reviews}")
