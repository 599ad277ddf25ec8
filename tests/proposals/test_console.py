"""The staff pages for proposals and typical cases, through the console's cookie session and CSRF."""

from __future__ import annotations

import re
from typing import Any

from tests.proposals.conftest import SAMPLE, contact_body, new_proposal
from tests.proposals.test_importer import as_csv, damaged_xlsx, row


def test_the_list_and_the_page_show_what_the_user_may_do(console, client, login, do, assigned) -> None:
    zjj = console("zjj")
    listing = zjj.get("/proposals")
    assert listing.status_code == 200 and f'data-proposal="{assigned}"' in listing.text
    assert "建议提案" in listing.text and 'href="/proposals/new"' not in listing.text  # units do not register
    page = zjj.get(f"/proposals/{assigned}")
    assert 'data-action="sign"' in page.text and 'data-action="assign"' not in page.text
    assert "答复前须至少记录一次与代表委员的联系" in page.text
    signed = zjj.post(f"/proposals/{assigned}/act/sign")
    assert signed.status_code == 200 and '<span class="status" id="proposal-status">办理中</span>' in signed.text
    assert 'data-action="record_contact"' in signed.text and 'data-action="draft_reply"' not in signed.text


def test_a_reply_before_a_contact_is_refused_on_the_page_too(console, do, assigned) -> None:
    zjj = console("zjj")
    do("zjj", assigned, "sign")
    reply = {"classification": "A", "text": "答复正文写满十个字以上。"}
    refused = zjj.post(f"/proposals/{assigned}/act/draft_reply", reply)
    assert refused.status_code == 409 and "答复前须至少记录一次" in refused.text
    assert refused.headers["HX-Retarget"] == "#flash"
    ok = zjj.post(f"/proposals/{assigned}/act/record_contact", contact_body())
    assert ok.status_code == 200 and 'data-record-kind="contact"' in ok.text
    bad = zjj.post(f"/proposals/{assigned}/act/draft_reply", {"classification": "A", "text": "太短"})
    assert bad.status_code == 422 and "答复正文：至少 10 个字" in bad.text
    drafted = zjj.post(f"/proposals/{assigned}/act/draft_reply",
                       {"classification": "A", "text": "答复正文写满十个字以上。"})
    assert drafted.status_code == 200 and 'data-reply-round="1"' in drafted.text


def test_assign_with_assisting_units_from_the_form(console, client, login) -> None:
    pid = new_proposal(client, login("citydisp"))["id"]
    city = console("citydisp")
    page = city.get(f"/proposals/{pid}")
    assert 'name="assist_units" multiple' in page.text
    resp = city.client.post(f"/proposals/{pid}/act/assign", data={"host_unit": "ZJJ", "assist_units": ["ZFJ", "MZJ"]},
                            headers={"X-CSRF-Token": city.csrf, "HX-Request": "true"})
    assert resp.status_code == 200, resp.text
    assert "市民政局、市综合行政执法局" in resp.text or "市综合行政执法局、市民政局" in resp.text
    assert city.post(f"/proposals/{pid}/act/sign").status_code == 403  # the centre does not sign for the unit


def test_registration_form_and_forged_posts(console, client) -> None:
    city = console("citydisp")
    city.get("/proposals/new")
    form = {k: v for k, v in SAMPLE.items() if k != "co_signers"} | {"co_signers": "陆美芳（当湖街道代表团）\n顾志强"}
    created = city.post("/proposals/new", form)
    assert created.status_code == 204 and re.fullmatch(r"/proposals/\d+", created.headers["HX-Redirect"])
    detail = city.get(created.headers["HX-Redirect"])
    assert "陆美芳" in detail.text and "顾志强" in detail.text
    again = city.post("/proposals/new", form)
    assert again.status_code == 422 and "已有第 12 号建议" in again.text
    forged = city.client.post("/proposals/new", data=form, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403


def test_the_import_page_reports_every_bad_row_and_imports_nothing(console, client, login) -> None:
    city = console("citydisp")
    assert "检查并导入" in city.get("/proposals/import").text

    def upload(data: bytes) -> Any:
        return city.client.post("/proposals/import", files={"file": ("建议.csv", data)},
                                headers={"X-CSRF-Token": city.csrf, "HX-Request": "true"})

    bad = upload(as_csv([row("1"), row("2", 类别="议案"), row("3", 背景="太短")]))
    assert bad.status_code == 422
    table = bad.text.split('id="import-errors"')[1].split("</table>")[0]
    cells = re.findall(r"<tr><td class=\"mono\">(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", table)
    assert cells == [("3", "类别", "只能填“建议”或“提案”"), ("4", "背景", "至少 10 个字")]
    assert client.get("/api/v1/proposals", headers=login("citydisp")).json()["items"] == []
    good = upload(as_csv([row("1"), row("2")]))
    assert good.status_code == 200 and "已导入 2 件" in good.text
    sheet = "xl/worksheets/sheet1.xml"  # read row by row, after the workbook opened fine
    damaged = upload(damaged_xlsx(lambda name, data: data[: len(data) // 2] if name == sheet else data))
    assert damaged.status_code == 422 and "无法读取该 xlsx 文件" in damaged.text
    assert len(client.get("/api/v1/proposals", headers=login("citydisp")).json()["items"]) == 2


def test_units_cannot_open_what_they_do_not_handle_and_other_roles_are_kept_out(console, assigned) -> None:
    assert console("village").get(f"/proposals/{assigned}").status_code == 404
    assert console("dh_team").get("/proposals").status_code == 403
    assert console("calltaker").get("/typical-cases").status_code == 403
    editor = console("editor")
    assert editor.landing == "/typical-cases" and "典型案例" in editor.get("/typical-cases").text


def test_measures_page_and_its_export_link(console, do, delivered) -> None:
    do("citydisp", delivered, "rating", rating="satisfied")
    page = console("citydisp").get("/proposals/measures")
    assert page.status_code == 200 and "市住房和城乡建设局" in page.text and "100.0%" in page.text
    assert 'href="/api/v1/proposals/measures.xlsx"' in page.text


def test_typical_case_from_the_console(console, do, delivered) -> None:
    sup = console("supervisor")
    page = sup.get(f"/proposals/{delivered}")
    assert 'id="form-nominate"' in page.text
    nominated = sup.post("/typical-cases/nominate", {"source_kind": "proposal", "source_id": str(delivered),
                                                     "reason": "加装电梯惠及面广"})
    assert nominated.status_code == 204
    target = nominated.headers["HX-Redirect"]
    editor = console("editor")
    body = editor.get(target)
    assert 'id="form-write"' in body.text and "系统脱敏初稿" in body.text
    written = editor.post(target + "/act/write", {"title": "老旧小区加装电梯提速", "body": "正文内容：" * 10})
    assert written.status_code == 200 and "撰写中" in written.text
    assert editor.post(target + "/act/submit").status_code == 200
    assert editor.post(target + "/act/approve").status_code == 403
    leader = console("leader")
    approved = leader.post(target + "/act/approve")
    assert approved.status_code == 200 and "已发布" in approved.text
    assert "老旧小区加装电梯提速" in leader.client.get("/public/typical-cases").text
