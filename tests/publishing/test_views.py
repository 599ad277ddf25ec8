"""Typical cases end to end: a supervisor nominates, an editor writes, a leader approves, the public reads."""

from __future__ import annotations

from typing import Any

from tests.cases.test_views import act, create


def closed_case(client: Any, login: Any) -> int:
    cid = create(client, login("calltaker"), content="市民张三丰反映东湖路88号3幢楼下广场舞噪声扰民，电话13812345678。",
                 citizen_name="张三丰", citizen_phone="13812345678")["id"]
    act(client, login("citydisp"), cid, "assign", unit="ZX-DH")
    act(client, login("dh_disp"), cid, "sign")
    act(client, login("dh_disp"), cid, "feedback", text="已上门劝导张三丰反映的广场舞团队，调低音量并调整时间。")
    act(client, login("supervisor"), cid, "approve")
    act(client, login("calltaker"), cid, "callback", rating="satisfied")
    return int(cid)


def tc(client: Any, login: Any, user: str, path: str, expect: int = 200, **body: Any) -> Any:
    resp = client.post(f"/api/v1/typical-cases{path}", json=body, headers=login(user))
    assert resp.status_code == expect, resp.text
    return resp.json()


def test_nominate_write_return_approve_publish_withdraw(client, login) -> None:
    cid = closed_case(client, login)
    item = tc(client, login, "supervisor", "", 201, source_kind="case", source_id=cid, reason="快速响应，群众满意")
    assert item["status"] == "nominated" and item["source_label"] == "群众诉求"
    draft = item["proposed_body"] + item["proposed_title"]
    for private in ("张三丰", "13812345678", "88号", "3幢"):
        assert private not in draft
    assert "张某" in draft and "【群众诉求】" in draft and "【群众评价】满意" in draft
    tid = item["id"]
    assert item["allowed_actions"] == ["withdraw"]  # the supervisor may withdraw; writing is the editor's
    tc(client, login, "supervisor", f"/{tid}/write", 403, title="标题四个字以上", body="正文" * 20)
    written = tc(client, login, "editor", f"/{tid}/write", title="广场舞扰民一小时内化解",
                 body=item["proposed_body"] + "\n（编者按：小事快办，邻里和睦。）")
    assert written["status"] == "drafted" and written["edited_by"] == "editor"
    tc(client, login, "editor", f"/{tid}/approve", 409)  # not submitted yet
    tc(client, login, "editor", f"/{tid}/submit")
    assert tc(client, login, "editor", f"/{tid}/approve", 403)["code"] == "forbidden"
    returned = tc(client, login, "leader", f"/{tid}/return", reason="请补充办理时长")
    assert returned["status"] == "drafted" and returned["return_reason"] == "请补充办理时长"
    tc(client, login, "editor", f"/{tid}/write", title="广场舞扰民一小时内化解",
       body=written["body"] + "\n从受理到办结用时不到一小时。")
    tc(client, login, "editor", f"/{tid}/submit")
    assert client.get("/public/typical-cases").text.count("data-typical-case=") == 0
    published = tc(client, login, "leader", f"/{tid}/approve")
    assert published["status"] == "published" and published["approved_by"] == "leader" and published["published_at"]
    assert [e["action"] for e in published["timeline"]] == [
        "nominate", "write", "submit", "return", "write", "submit", "approve"]

    index = client.get("/public/typical-cases").text
    assert "广场舞扰民一小时内化解" in index and index.count("data-typical-case=") == 1
    page = client.get(f"/public/typical-cases/{tid}").text
    assert "用时不到一小时" in page and "张三丰" not in page and "13812345678" not in page
    tc(client, login, "leader", f"/{tid}/withdraw", reason="内容过时")
    assert client.get(f"/public/typical-cases/{tid}").status_code == 404


def test_only_closed_cases_and_replied_proposals_once_each_from_the_centre(client, login, do, assigned) -> None:
    open_case = create(client, login("calltaker"))["id"]
    body = {"source_kind": "case", "source_id": open_case, "reason": "推荐理由写清楚"}
    assert tc(client, login, "supervisor", "", 422, **body)["field"] == "source_id"
    assert tc(client, login, "supervisor", "", 422, **{**body, "source_kind": "proposal",
                                                       "source_id": assigned})["field"] == "source_id"
    cid = closed_case(client, login)
    assert tc(client, login, "editor", "", 403, **{**body, "source_id": cid})["code"] == "forbidden"
    assert tc(client, login, "zjj", "", 403, **{**body, "source_id": cid})["code"] == "forbidden"
    tc(client, login, "supervisor", "", 201, **{**body, "source_id": cid})
    assert tc(client, login, "supervisor", "", 409, **{**body, "source_id": cid})["code"] == "conflict"
    assert client.get("/api/v1/typical-cases", headers=login("zjj")).status_code == 403
    assert tc(client, login, "supervisor", "", 404, **{**body, "source_id": 999999})["code"] == "not_found"


def test_a_proposal_becomes_a_typical_case_in_the_columns_shape(client, login, do, delivered) -> None:
    do("citydisp", delivered, "rating", rating="satisfied", comment="办理认真，感谢。")
    item = tc(client, login, "supervisor", "", 201, source_kind="proposal", source_id=delivered,
              reason="加装电梯惠及面广")
    body = item["proposed_body"]
    assert body.startswith("【建议】关于加快老旧小区加装电梯的建议")
    assert "【领衔代表】沈建华，市人大代表（当湖街道代表团）" in body
    assert "【代表感言】办理认真，感谢。" in body and "王建国" not in body and "13912345678" not in body
    assert item["topic"] == "城乡建设" and item["unit_name"] == "市住房和城乡建设局"


def test_what_the_editor_types_is_redacted_before_it_is_published(client, login) -> None:
    cid = closed_case(client, login)  # citizen 张三丰, phone 13812345678
    item = tc(client, login, "supervisor", "", 201, source_kind="case", source_id=cid, reason="快速响应，群众满意")
    tid = item["id"]
    written = tc(client, login, "editor", f"/{tid}/write", title="张三丰反映的广场舞噪声一小时化解",
                 body=item["proposed_body"] + "\n编者按：张三丰（13812345678，东湖路88号3幢）对结果很满意。")
    assert "编者按" in written["body"]
    tc(client, login, "editor", f"/{tid}/submit")
    tc(client, login, "leader", f"/{tid}/approve")
    page = client.get(f"/public/typical-cases/{tid}").text
    assert "编者按" in page and "广场舞噪声一小时化解" in page
    assert not [w for w in ("张三丰", "13812345678", "88号", "3幢") if w in page]
