"""Review requests: an unsatisfied rating recorded by staff also goes to the centre; the centre
reopens the case or upholds the closing."""

from __future__ import annotations

from sqlalchemy import select

from minsheng.integrations.models import ReviewRequest
from tests.integrations.test_handback import act

CASE = {"channel": "web", "content": "网上留言：小区门口占道经营", "citizen_phone": "13500001111"}


def unsatisfied_case(client, login) -> int:  # type: ignore[no-untyped-def]
    cid = client.post("/api/v1/cases", json=CASE, headers=login("calltaker")).json()["id"]
    act(client, login("citydisp"), cid, "assign", unit="ZFJ")
    act(client, login("zfj"), cid, "sign")
    act(client, login("zfj"), cid, "feedback", text="已劝离")
    act(client, login("supervisor"), cid, "approve")
    act(client, login("calltaker"), cid, "callback", rating="unsatisfied", comment="第二天又来了")
    return int(cid)


def reviews(db) -> list[ReviewRequest]:  # type: ignore[no-untyped-def]
    with db.read_session() as s:
        return list(s.scalars(select(ReviewRequest).order_by(ReviewRequest.id)))


def test_reopening_resolves_the_review(client, login, db) -> None:
    cid = unsatisfied_case(client, login)
    [review] = reviews(db)
    assert review.source == "callback" and review.status == "open"
    detail = act(client, login("supervisor"), cid, "reopen", reason="群众反映仍在占道")
    assert detail["status"] == "assigned" and detail["unit"] == "ZFJ"
    [review] = reviews(db)
    assert review.status == "reopened" and review.resolution_note == "群众反映仍在占道"
    assert client.get("/api/v1/reviews", headers=login("supervisor")).json() == []


def test_upholding_keeps_the_case_closed_and_says_why(client, login, db) -> None:
    cid = unsatisfied_case(client, login)
    [review] = reviews(db)
    resp = client.post(f"/api/v1/reviews/{review.id}/uphold", json={"note": "已依法处置，属反复发生"},
                       headers=login("supervisor"))
    assert resp.status_code == 200 and resp.json()["status"] == "upheld"
    detail = client.get(f"/api/v1/cases/{cid}", headers=login("supervisor")).json()
    assert detail["status"] == "closed" and detail["timeline"][-1]["action"] == "review_upheld"
    again = client.post(f"/api/v1/reviews/{review.id}/uphold", json={"note": "x"}, headers=login("supervisor"))
    assert again.status_code == 409
    upheld = client.get("/api/v1/reviews", params={"status": "upheld"}, headers=login("citydisp")).json()
    assert [r["id"] for r in upheld] == [review.id]


def test_only_the_centre_reviews(client, login, db) -> None:
    unsatisfied_case(client, login)
    [review] = reviews(db)
    for user in ("dh_disp", "zfj", "calltaker", "leader"):
        resp = client.post(f"/api/v1/reviews/{review.id}/uphold", json={"note": "x"}, headers=login(user))
        assert resp.status_code == 403, user
    assert client.post("/api/v1/reviews/999/uphold", json={"note": "x"},
                       headers=login("supervisor")).status_code == 404
    assert client.get("/api/v1/reviews", headers=login("zd_disp")).json() == []


def test_satisfied_ratings_open_no_review(client, login, db) -> None:
    cid = client.post("/api/v1/cases", json=CASE, headers=login("calltaker")).json()["id"]
    act(client, login("calltaker"), cid, "answer_directly", text="已答复")
    act(client, login("calltaker"), cid, "callback", rating="basically_satisfied")
    assert reviews(db) == []
