"""The public tracking pages: published proposals only, the column's structure, no personal data."""

from __future__ import annotations

from typing import Any

from tests.proposals.conftest import SESSION, new_proposal

PRIVATE = ("王建国", "李明", "钱伟", "13912345678", "13812345678", "三楼会议室")


def publish(client: Any, login: Any, do: Any, pid: int, **body: Any) -> dict[str, Any]:
    return do("editor", pid, "publish", **body)  # type: ignore[no-any-return]


def test_the_draft_is_redacted_and_the_page_follows_the_column(client, login, do, delivered) -> None:
    do("citydisp", delivered, "rating", rating="satisfied",
       comment="住建局上门听取意见，办理认真。有事可以打我电话13812345678。")
    draft = client.get(f"/api/v1/proposals/{delivered}", headers=login("editor")).json()["public"]
    assert draft["draft"] == "true"
    assert "当面会商" in draft["process"] and "钱某" in draft["process"]
    assert all(word not in text for word in PRIVATE for text in draft.values())
    assert draft["result"].startswith("经研究") and "二十万元" in draft["result"]
    publish(client, login, do, delivered)

    page = client.get(f"/public/proposals/{delivered}")  # no login
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for head in ("【建议】关于加快老旧小区加装电梯的建议", "【领衔代表】", "沈建华，市人大代表（当湖街道代表团）",
                 "【背景】", "【办理过程】", "【办理结果】", "【代表感言】", "联名代表：陆美芳、顾志强",
                 "B类（正在解决或列入计划解决）", "主办单位：市住房和城乡建设局", "协办单位：市综合行政执法局"):
        assert head in html, head
    assert html.index("【背景】") < html.index("【办理过程】") < html.index("【办理结果】") < html.index("【代表感言】")
    assert not [word for word in PRIVATE if word in html]
    assert "@media print" in html and "window.print()" in html


def test_the_editor_may_rewrite_sections_before_publishing(client, login, do, delivered) -> None:
    detail = publish(client, login, do, delivered, words="感谢市住建局的认真办理。",
                     process="多次上门沟通，实地调研三个小区。")
    assert detail["published"] and detail["public"]["words"] == "感谢市住建局的认真办理。"
    assert detail["timeline"][-1]["action"] == "publish"
    html = client.get(f"/public/proposals/{delivered}").text
    assert "多次上门沟通" in html and "感谢市住建局的认真办理" in html
    assert do("editor", delivered, "publish", expect=422, result="")["field"] == "result"
    # what the editor types is redacted as well
    detail = publish(client, login, do, delivered, words="感谢科员李明，电话13800001111，住东湖路8号。")
    assert detail["public"]["words"] == "感谢科员李某，电话[电话已隐去]，住东湖路×号。"


def test_unpublished_proposals_are_not_public(client, login, do, delivered) -> None:
    resp = client.get(f"/public/proposals/{delivered}")
    assert resp.status_code == 404 and "未公开" in resp.text and resp.headers["content-type"].startswith("text/html")
    assert "data-proposal=" not in client.get("/public/proposals").text
    publish(client, login, do, delivered)
    assert client.get(f"/public/proposals/{delivered}").status_code == 200
    do("supervisor", delivered, "unpublish", reason="内容需核实")
    assert client.get(f"/public/proposals/{delivered}").status_code == 404


def test_the_index_groups_by_session_and_filters_by_unit_and_status(client, login, do, delivered) -> None:
    publish(client, login, do, delivered)
    other = new_proposal(client, login("citydisp"), kind="proposal", number="3",
                         session_name="2026年市政协十一届五次会议", title="关于整治夜间施工噪声的提案",
                         lead_name="民盟平湖市委会", lead_constituency="民盟")["id"]
    do("citydisp", other, "assign", host_unit="ZFJ")
    do("zfj", other, "sign")
    do("zfj", other, "contacts", method="phone", occurred_on="2026-11-25", people="民盟联系人",
       content="电话听取意见建议。")
    do("zfj", other, "reply", text="已将夜间施工纳入重点巡查并建立投诉快速处置机制。", classification="A")
    do("zfj_leader", other, "approve-reply")
    do("zfj", other, "deliver", method="mail")
    do("citydisp", other, "rating", rating="basically_satisfied")
    publish(client, login, do, other)

    def listed(**params: str) -> list[int]:
        html = client.get("/public/proposals", params=params).text
        return sorted(int(chunk.split('"')[1]) for chunk in html.split("data-proposal=")[1:])

    assert listed() == sorted([delivered, other])
    assert listed(session_name=SESSION) == [delivered]
    assert listed(unit="ZFJ") == [other]
    assert listed(status="closed") == [other] and listed(status="delivered") == [delivered]
    assert listed(kind="proposal") == [other] and listed(status="reopened") == []
    html = client.get("/public/proposals").text
    assert "<h2>2026年市政协十一届五次会议</h2>" in html and f"<h2>{SESSION}</h2>" in html
    page = client.get(f"/public/proposals/{other}").text
    assert "【提案】关于整治夜间施工噪声的提案" in page and "【反映人】" in page and "市政协委员（民盟）" in page
    assert "【委员感言】" not in page  # no words given, no empty section
