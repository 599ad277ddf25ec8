"""The proposal API end to end, on SQLite and PostgreSQL: intake, assignment, handling, reply, rating."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from minsheng.events.models import OutboxMessage
from tests.proposals.conftest import SAMPLE, contact_body, new_proposal

REPLY = "经研究，我局已会同财政部门修订加装电梯补助办法，每台补助提高到二十万元，2027年起实施。"


def test_the_whole_handling_from_assignment_to_a_satisfied_rating(client, login, do, assigned) -> None:
    pid = assigned
    detail = do("zjj", pid, "sign")
    assert detail["status"] == "signed"
    do("zjj", pid, "contacts", **contact_body())
    do("zfj", pid, "opinions", content="我局将配合做好加装电梯施工期间的占道审批。")
    do("zjj", pid, "notes", kind="survey", occurred_on="2026-11-25", place="当湖街道金桥小区",
       content="实地查看三个小区的楼道和管线情况。")
    do("zjj", pid, "notes", kind="legal_check", occurred_on="2026-11-25", content="补助办法修订稿经法制审核无异议。")
    detail = do("zjj", pid, "reply", text=REPLY, classification="B")
    assert detail["status"] == "replied" and detail["replies"][0]["status"] == "draft"
    detail = do("zjj_leader", pid, "approve-reply", note="同意")
    assert detail["status"] == "approved" and detail["replies"][0]["approved_by"] == "zjj_leader"
    detail = do("zjj", pid, "deliver", method="in_person")
    assert detail["status"] == "delivered"
    detail = do("citydisp", pid, "rating", rating="satisfied", comment="办理态度认真，措施实在。")
    assert detail["status"] == "closed" and detail["rating"] == "satisfied" and detail["closed_at"]
    assert [e["action"] for e in detail["timeline"]] == [
        "create", "assign", "sign", "record_contact", "add_opinion", "add_note", "add_note", "draft_reply",
        "approve_reply", "deliver", "rate"]
    assert [r["kind"] for r in detail["records"]] == ["contact", "opinion", "survey", "legal_check"]
    assert {c["stage"]: c["state"] for c in detail["clocks"]} == {"sign": "met", "contact": "met", "feedback": "met"}
    assert detail["host_unit_name"] == "市住房和城乡建设局"
    assert detail["assist_units"] == [{"code": "ZFJ", "name": "市综合行政执法局"}]
    assert detail["allowed_actions"] == []  # the dispatcher who recorded the rating does not publish
    as_editor = client.get(f"/api/v1/proposals/{pid}", headers=login("editor")).json()
    assert as_editor["allowed_actions"] == ["publish"]


def test_no_reply_is_drafted_or_delivered_before_a_contact(client, login, do, assigned) -> None:
    do("zjj", assigned, "sign")
    body = do("zjj", assigned, "reply", expect=409, text=REPLY, classification="A")
    assert body["code"] == "contact_required" and "联系" in body["message"]
    assert "reply" not in body["allowed_actions"] and "contacts" not in body["allowed_actions"]
    body = do("zjj", assigned, "deliver", expect=409, method="mail")
    assert body["code"] == "contact_required"
    detail = client.get(f"/api/v1/proposals/{assigned}", headers=login("zjj")).json()
    assert detail["replies"] == [] and detail["status"] == "signed"
    assert "draft_reply" not in detail["allowed_actions"] and "record_contact" in detail["allowed_actions"]


def test_unsatisfied_opens_a_second_handling_that_needs_a_new_contact(client, login, do, delivered,
                                                                        fake_clock) -> None:
    fake_clock.advance(days=40)
    detail = do("citydisp", delivered, "rating", rating="unsatisfied", comment="补助标准仍然偏低")
    assert detail["status"] == "signed" and detail["round"] == 2 and not detail["contacted"]
    rated_at = datetime.fromisoformat(detail["rated_at"])
    due = {c["stage"]: datetime.fromisoformat(c["due_at"]) for c in detail["clocks"]}
    assert due == {"contact": rated_at + timedelta(days=30), "feedback": rated_at + timedelta(days=90)}
    body = do("zjj", delivered, "reply", expect=409, text=REPLY + "（二次答复）", classification="A")
    assert body["code"] == "contact_required"
    do("zjj", delivered, "contacts", **contact_body(occurred_on="2027-01-04", method="phone"))
    do("zjj", delivered, "reply", text=REPLY + "补助再提高五万元。", classification="A")
    do("zjj_leader", delivered, "approve-reply")
    do("zjj", delivered, "deliver", method="mail")
    detail = do("citydisp", delivered, "rating", rating="unsatisfied", comment="仍不满意")
    assert detail["status"] == "closed" and detail["round"] == 2  # only one second handling
    assert [(r["round"], r["rating"]) for r in detail["replies"]] == [(1, "unsatisfied"), (2, "unsatisfied")]


def test_the_leader_sends_a_reply_back_and_only_the_host_units_leader_approves(client, login, do, assigned) -> None:
    do("zjj", assigned, "sign")
    do("zjj", assigned, "contacts", **contact_body())
    do("zjj", assigned, "reply", text=REPLY, classification="A")
    assert do("zjj", assigned, "approve-reply", expect=403)["code"] == "forbidden"  # a handler is not the leader
    assert do("zfj_leader", assigned, "approve-reply", expect=403)["code"] == "forbidden"  # assisting unit's leader
    assert do("leader", assigned, "approve-reply", expect=403)["code"] == "forbidden"  # the centre's leader
    detail = do("zjj_leader", assigned, "return-reply", reason="分类应为B类，补助办法尚未出台")
    assert detail["status"] == "contacted" and detail["replies"][0]["return_reason"].startswith("分类应为B类")
    detail = do("zjj", assigned, "reply", text=REPLY, classification="B")
    assert detail["replies"][0]["classification"] == "B"
    assert detail["replies"][0]["return_reason"] == "分类应为B类，补助办法尚未出台"  # kept until approved
    detail = do("zjj_leader", assigned, "approve-reply")
    assert detail["replies"][0]["return_reason"] is None


def test_units_see_what_they_host_or_assist_and_the_centre_sees_all(client, login, do, assigned) -> None:
    other = new_proposal(client, login("citydisp"), number="13", title="关于规范夜间施工噪声管理的建议")["id"]
    do("citydisp", other, "assign", host_unit="ZFJ")
    ids = lambda user: [p["id"] for p in client.get("/api/v1/proposals", headers=login(user)).json()["items"]]  # noqa: E731
    assert ids("citydisp") == [other, assigned]
    assert ids("zjj") == [assigned]
    assert ids("zfj") == [other, assigned]  # hosts one, assists the other
    assert ids("village") == [] and ids("dh_disp") == []
    assert client.get(f"/api/v1/proposals/{assigned}", headers=login("village")).status_code == 404
    assert client.get(f"/api/v1/proposals/{other}", headers=login("zjj")).status_code == 404
    assert client.get("/api/v1/proposals", headers=login("dh_team")).json()["items"] == []
    assert client.get("/api/v1/proposals").status_code == 401


def test_roles_are_kept_to_their_part(client, login, do, assigned) -> None:
    assert client.post("/api/v1/proposals", json={**SAMPLE, "number": "99"},
                       headers=login("zjj")).status_code == 403
    assert do("editor", assigned, "assign", expect=403, host_unit="ZFJ")["code"] == "forbidden"
    assert do("zfj", assigned, "sign", expect=403)["code"] == "forbidden"  # the assisting unit does not sign
    do("zjj", assigned, "sign")
    assert do("zfj", assigned, "contacts", expect=403, **contact_body())["code"] == "forbidden"
    assert do("zjj", assigned, "opinions", expect=403, content="主办单位不写协办意见")["code"] == "forbidden"
    assert do("zjj", assigned, "rating", expect=409, rating="satisfied")["code"] == "conflict"


def test_intake_rejects_a_duplicate_number_and_names_bad_fields(client, login) -> None:
    city = login("citydisp")
    new_proposal(client, city)
    dup = client.post("/api/v1/proposals", json=SAMPLE, headers=city)
    assert dup.status_code == 422 and dup.json()["field"] == "number"
    # the same number in the CPPCC's stream is another document
    new_proposal(client, city, kind="proposal", session_name="2026年市政协十一届五次会议", lead_constituency="经济界")
    bad = client.post("/api/v1/proposals", json={**SAMPLE, "number": "14", "kind": "motion"}, headers=city)
    assert bad.status_code == 422 and bad.json()["field"] == "kind"


def test_return_for_reassignment_cancels_the_clocks_and_reassignment_starts_fresh_ones(client, login, do,
                                                                                          assigned, fake_clock) -> None:
    fake_clock.advance(days=2)
    detail = do("zjj", assigned, "return", reason="加装电梯补助资金归口财政局")
    assert detail["status"] == "registered" and detail["host_unit"] is None and detail["clocks"] == []
    assert client.get(f"/api/v1/proposals/{assigned}", headers=login("zjj")).status_code == 404
    detail = do("citydisp", assigned, "assign", host_unit="ZFJ")
    assigned_at = datetime.fromisoformat(detail["assigned_at"])
    assert assigned_at == fake_clock.now()
    assert {c["stage"]: datetime.fromisoformat(c["due_at"]) - assigned_at for c in detail["clocks"]} == {
        "sign": timedelta(days=5), "contact": timedelta(days=30), "feedback": timedelta(days=90)}
    messages = client.get("/api/v1/proposals/measures", headers=login("citydisp")).json()
    assert [(m["unit"], m["proposals"]) for m in messages] == [("ZFJ", 1), ("合计", 1)]


def test_assignment_notifies_host_and_assisting_units(client, login, do, assigned, db) -> None:
    with db.read_session() as s:
        notes = [m.payload for m in s.scalars(select(OutboxMessage).where(OutboxMessage.topic == "notify"))]
    assert sorted((n["event"], n["to"]["unit"], n["params"]["role"]) for n in notes) == [
        ("proposal_assigned", "ZFJ", "assist"), ("proposal_assigned", "ZJJ", "host")]


def test_a_contact_dated_before_assignment_or_in_the_future_is_refused(client, login, do, assigned,
                                                                        fake_clock) -> None:
    do("zjj", assigned, "sign")
    assert fake_clock.now() == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert do("zjj", assigned, "contacts", expect=422, **contact_body(occurred_on="2026-11-24"))["field"] == \
        "occurred_on"
    assert do("zjj", assigned, "contacts", expect=422, **contact_body(occurred_on="2026-11-26"))["field"] == \
        "occurred_on"
    do("zjj", assigned, "contacts", **contact_body(occurred_on="2026-11-25"))


PDF = b"%PDF-1.4\n% a tiny pdf\n"


def test_attachments_follow_the_proposals_scope(client, login, do, assigned) -> None:
    up = client.post(f"/api/v1/proposals/{assigned}/attachments", headers=login("citydisp"),
                     files={"file": ("原件.pdf", PDF, "application/pdf")})
    assert up.status_code == 201, up.text
    att = up.json()["id"]
    assert client.get(f"/api/v1/proposals/attachments/{att}", headers=login("zfj")).content == PDF
    assert client.get(f"/api/v1/proposals/attachments/{att}", headers=login("village")).status_code == 404
    assert client.post(f"/api/v1/proposals/{assigned}/attachments", headers=login("zjj"),
                       files={"file": ("x.pdf", b"not a pdf", "application/pdf")}).status_code == 415
    detail = client.get(f"/api/v1/proposals/{assigned}", headers=login("zjj")).json()
    assert [a["filename"] for a in detail["attachments"]] == ["原件.pdf"]
    assert detail["timeline"][-1]["action"] == "attach"


def test_people_named_in_the_record_are_found_behind_their_titles(db, delivered) -> None:
    from minsheng.proposals.publication import names_in_record
    from minsheng.proposals.queries import records

    with db.read_session() as s:
        from minsheng.proposals.models import Proposal

        p = s.get(Proposal, delivered)
        assert p is not None
        # 沈建华 leads (a public role); 王建国 and 李明 are behind 副局长 and 科员
        assert names_in_record(p, records(s, delivered)) == {"王建国", "李明"}
