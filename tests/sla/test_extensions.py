"""延期申请: requested by the handling unit, decided by the centre, the reason on the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from minsheng.errors import Conflict, Forbidden, InvalidField, NotFound
from minsheng.sla.extensions import decide_extension, request_extension


def _request(db, actors, cid, now, user="dh_disp", stage="feedback", until=None, reason="需等待供电公司检修"):
    with db.session() as s:
        return request_extension(s, cid, actors[user], stage=stage, until=until or now + timedelta(hours=48),
                                 reason=reason, now=now).id


def _decide(db, actors, rid, now, user="citydisp", approve=True, note=""):
    with db.session() as s:
        return decide_extension(s, rid, actors[user], approve=approve, note=note, now=now)


def test_an_approved_extension_moves_the_deadline_and_its_timers(db, actors, cases, fake_clock, fire) -> None:
    t0 = fake_clock.now()
    cid = cases.assigned()
    cases.act(cid, "sign")
    cases.act(cid, "dispatch_team", team="T-DH-1")
    fake_clock.advance(3600)
    new_deadline = t0 + timedelta(hours=48)
    rid = _request(db, actors, cid, fake_clock.now(), until=new_deadline)
    assert cases.clocks(cid)["feedback:ZX-DH:1"].deadline == t0 + timedelta(hours=24)  # not yet approved
    fake_clock.advance(600)
    req = _decide(db, actors, rid, fake_clock.now(), note="同意")
    assert req.status == "approved" and req.granted_until == new_deadline
    feedback = cases.clocks(cid)["feedback:ZX-DH:1"]
    assert feedback.deadline == new_deadline and feedback.limit_seconds == 48 * 3600
    assert ("feedback", "breach", new_deadline) in cases.timers(cid)
    assert ("feedback", "breach", t0 + timedelta(hours=24)) not in cases.timers(cid)
    with db.read_session() as s:
        from sqlalchemy import select

        from minsheng.cases.models import CaseEvent

        lines = [(e.action, e.note) for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == cid)
                                                       .order_by(CaseEvent.id))]
    assert lines[-2][0] == "extension_request" and "需等待供电公司检修" in lines[-2][1]
    assert lines[-1][0] == "extend" and "同意延期" in lines[-1][1] and "需等待供电公司检修" in lines[-1][1]
    # at the old deadline nothing happens any more; at the new one the breach fires
    assert fire(t0 + timedelta(hours=24, seconds=1) - fake_clock.now()) == 0
    assert not cases.case(cid).escalated
    assert fire(new_deadline - fake_clock.now()) == 2  # the (new) warning and the breach
    assert cases.case(cid).escalated


def test_a_rejected_request_leaves_the_deadline_and_says_why(db, actors, cases, fake_clock) -> None:
    cid = cases.assigned()
    before = cases.clocks(cid)["feedback:ZX-DH:1"].deadline
    rid = _request(db, actors, cid, fake_clock.now())
    with pytest.raises(InvalidField):
        _decide(db, actors, rid, fake_clock.now(), approve=False)  # a rejection needs its reason
    req = _decide(db, actors, rid, fake_clock.now(), approve=False, note="可先行处置，不予延期")
    assert req.status == "rejected"
    assert cases.clocks(cid)["feedback:ZX-DH:1"].deadline == before
    with pytest.raises(Conflict):
        _decide(db, actors, rid, fake_clock.now())  # decided once


def test_who_may_ask_and_who_may_decide(db, actors, cases, fake_clock) -> None:
    cid = cases.assigned("ZX-DH")
    now = fake_clock.now()
    with pytest.raises(NotFound):
        _request(db, actors, cid, now, user="zfj")  # another unit's case does not exist for it
    with pytest.raises(Forbidden):
        _request(db, actors, cid, now, user="citydisp")  # the centre does not ask itself
    rid = _request(db, actors, cid, now)
    with pytest.raises(Conflict):
        _request(db, actors, cid, now)  # one pending request per stage
    with pytest.raises(Forbidden):
        _decide(db, actors, rid, now, user="dh_disp")  # a town sub-centre cannot approve
    assert _decide(db, actors, rid, now, user="supervisor").status == "approved"


def test_requests_must_be_in_time_later_and_about_a_running_stage(db, actors, cases, fake_clock) -> None:
    cid = cases.assigned()
    now = fake_clock.now()
    with pytest.raises(InvalidField):
        _request(db, actors, cid, now, until=now + timedelta(hours=1))  # earlier than the deadline
    with pytest.raises(InvalidField):
        _request(db, actors, cid, now, stage="lunch")
    with pytest.raises(Conflict):
        _request(db, actors, cid, now, stage="contact")  # the fast track has no contact stage
    fake_clock.advance(61)
    with pytest.raises(Conflict):
        _request(db, actors, cid, fake_clock.now(), stage="sign", until=now + timedelta(hours=1))  # overdue


def test_the_extension_api(client, login, cases, fake_clock) -> None:
    cid = cases.assigned()
    town, city = login("dh_disp"), login("citydisp")
    until = (fake_clock.now() + timedelta(hours=30)).isoformat()
    resp = client.post(f"/api/v1/cases/{cid}/extensions", headers=town,
                       json={"stage": "feedback", "until": until, "reason": "等待检测报告"})
    assert resp.status_code == 201, resp.text
    rid = resp.json()["id"]
    pending = client.get("/api/v1/sla/extensions", headers=city).json()
    assert [r["id"] for r in pending] == [rid]
    assert client.post(f"/api/v1/sla/extensions/{rid}/approve", headers=town, json={}).status_code == 403
    resp = client.post(f"/api/v1/sla/extensions/{rid}/approve", headers=city, json={"note": "同意"})
    assert resp.status_code == 200 and resp.json()["status"] == "approved"
    detail = client.get(f"/api/v1/cases/{cid}", headers=city).json()
    [feedback] = [c for c in detail["clocks"] if c["stage"] == "feedback"]
    assert feedback["limit_seconds"] == 30 * 3600
    assert detail["timeline"][-1]["action"] == "extend"


def test_an_approval_grants_only_a_later_deadline(db, actors, cases, fake_clock) -> None:
    cid = cases.assigned()
    before = cases.clocks(cid)["feedback:ZX-DH:1"].deadline
    rid = _request(db, actors, cid, fake_clock.now())
    for until in (fake_clock.now() - timedelta(days=3), before):
        with pytest.raises(InvalidField) as caught, db.session() as s:
            decide_extension(s, rid, actors["citydisp"], approve=True, now=fake_clock.now(), until=until)
        assert caught.value.extra["field"] == "until" and "晚于当前时限" in caught.value.message
    assert cases.clocks(cid)["feedback:ZX-DH:1"].deadline == before
    assert _decide(db, actors, rid, fake_clock.now()).status == "approved"  # as requested


def test_a_time_beyond_the_platforms_years_is_a_422(client, login, cases) -> None:
    cid = cases.assigned()
    resp = client.post(f"/api/v1/cases/{cid}/extensions", headers=login("dh_disp"),
                       json={"stage": "feedback", "until": "9999-12-31T23:59:59-12:00", "reason": "等待检测报告"})
    assert resp.status_code == 422 and resp.json()["field"] == "until", resp.text
