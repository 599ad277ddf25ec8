"""The group in the console (server-rendered): forming dialog, member buttons, thread, live events."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

from minsheng.events.live import viewer_scope
from minsheng.events.publish import announce, broker
from minsheng.web import stream_views
from tests.groups.helpers import form, group_call, new_case, ok

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _group_buttons(html: str) -> set[str]:
    return set(re.findall(r'data-group-action="([a-z_]+)"', html))


def test_forming_from_the_case_page(client: Any, login: Any, console: Any) -> None:
    cid = new_case(client, login)
    city = console("citydisp")
    page = city.get(f"/cases/{cid}")
    assert 'id="group-open"' in page.text
    assert 'id="group-open"' not in console("dh_disp").get(f"/cases/{cid}").text  # only the centre forms
    dialog = city.get(f"/cases/{cid}/group/form", headers={"HX-Request": "true"})
    assert dialog.status_code == 200
    assert "诉求类别「物业服务纠纷」的承办单位" in dialog.text and "属地街道（镇）分中心" in dialog.text
    assert re.search(r'<option value="ZJJ" selected>', dialog.text)
    assert re.search(r'value="ZFJ" checked', dialog.text) and re.search(r'value="330482001001" checked', dialog.text)
    resp = city.post(f"/cases/{cid}/group/form", {"lead": "ZJJ", "members": ["ZFJ", "ZX-DH", ""], "note": "三方联动"})
    assert resp.status_code == 200, resp.text
    assert "已组群：3 个单位已收到通知" in resp.text and 'id="group-status"' in resp.text
    assert resp.text.count('class="member') == 3 and 'data-unit="330482001001"' not in resp.text
    assert "一键组群" in resp.text and "三方联动" in resp.text  # timeline label and note
    # a missing lead is named in Chinese
    other = new_case(client, login)
    bad = city.post(f"/cases/{other}/group/form", {"lead": "", "members": ["ZFJ"]})
    assert bad.status_code == 422 and "请选择牵头单位" in bad.text


def test_members_act_from_their_case_page(client: Any, login: Any, console: Any) -> None:
    cid = new_case(client, login)
    form(client, login, cid)
    zfj, zjj, dh = console("zfj"), console("zjj"), console("dh_disp")
    page = zfj.get(f"/cases/{cid}")
    assert page.status_code == 200 and _group_buttons(page.text) == {"sign", "leave", "post"}
    assert re.findall(r'data-action="([a-z_]+)"', page.text) == []  # no case buttons for a co-unit
    signed = zfj.post(f"/cases/{cid}/group/sign")
    assert "本单位已签收" in signed.text and "sign" not in _group_buttons(signed.text)
    page = zfj.get(f"/cases/{cid}")
    assert _group_buttons(page.text) == {"part", "leave", "post"} and "本单位已签收" not in page.text
    resp = zfj.post(f"/cases/{cid}/group/part", {"text": "已立案查处油烟直排"})
    assert "办理意见已提交牵头单位" in resp.text and "已立案查处油烟直排" in resp.text
    resp = zjj.post(f"/cases/{cid}/group/sign")
    assert resp.status_code == 200 and "本单位已签收" in resp.text
    dh.post(f"/cases/{cid}/group/sign")
    assert "joint_feedback" not in _group_buttons(zjj.get(f"/cases/{cid}").text)  # ZX-DH has no part yet
    dh.post(f"/cases/{cid}/group/part", {"text": "占道物品已清理"})
    assert "joint_feedback" in _group_buttons(zjj.get(f"/cases/{cid}").text)
    resp = zjj.post(f"/cases/{cid}/group/feedback", {"text": "三方联合处置完毕"})
    assert "联合答复已提交" in resp.text and "联合答复待审核" in resp.text
    sup = console("supervisor")
    resp = sup.post(f"/cases/{cid}/act/approve", {})
    assert resp.status_code == 200 and "已办结" in resp.text


def test_leave_and_add_through_the_console(client: Any, login: Any, console: Any) -> None:
    cid = new_case(client, login)
    form(client, login, cid)
    zfj, city = console("zfj"), console("citydisp")
    zfj.post(f"/cases/{cid}/group/sign")
    resp = zfj.post(f"/cases/{cid}/group/leave", {"reason": "油烟归生态环境部门"})
    assert "退出申请已提交市中心" in resp.text
    page = city.get(f"/cases/{cid}")
    assert 'data-decide="yes"' in page.text
    resp = city.post(f"/cases/{cid}/group/members/ZFJ/leave-decision", {"approve": "no", "note": ""})
    assert resp.status_code == 422 and "不同意退出时请说明理由" in resp.text
    resp = city.post(f"/cases/{cid}/group/members/ZFJ/leave-decision", {"approve": "yes"})
    assert "已同意退出" in resp.text and "已退出" in resp.text
    add = city.get(f"/cases/{cid}/group/add-form", headers={"HX-Request": "true"})
    assert 'value="ZFJ"' in add.text and 'value="ZX-DH"' not in add.text and 'value="SZZX"' not in add.text
    resp = city.post(f"/cases/{cid}/group/members", {"unit": "STHJ", "reason": "涉及废水"})
    assert "已追加成员单位" in resp.text and 'data-unit="STHJ"' in resp.text


def test_the_thread_posts_attaches_and_marks_read(client: Any, login: Any, console: Any) -> None:
    cid = new_case(client, login)
    form(client, login, cid)
    zfj, zjj = console("zfj"), console("zjj")
    zfj.get(f"/cases/{cid}")
    resp = zfj.post(f"/cases/{cid}/group/messages", {"text": "现场照片见附件", "mentions": ["ZJJ"]},
                    files={"file": ("现场.png", PNG, "image/png")})
    assert resp.status_code == 200, resp.text
    assert "现场照片见附件" in resp.text and "现场.png" in resp.text and "@市住房和城乡建设局" in resp.text
    assert "未读：市住房和城乡建设局" in resp.text
    listing = zjj.get(f"/cases/{cid}/group/thread", headers={"HX-Request": "true"})
    assert 'class="msg unread"' in listing.text and f'hx-post="/cases/{cid}/group/read"' in listing.text
    assert zjj.post(f"/cases/{cid}/group/read").status_code == 204
    listing = zjj.get(f"/cases/{cid}/group/thread", headers={"HX-Request": "true"})
    assert "unread" not in listing.text and "/group/read" not in listing.text
    empty = zfj.post(f"/cases/{cid}/group/messages", {"text": "  "})
    assert empty.status_code == 422 and "请输入消息内容" in empty.text
    detail = ok(client.get(f"/api/v1/cases/{cid}", headers=login("citydisp")))
    assert [a["filename"] for a in detail["attachments"]] == ["现场.png"]


def _stream_events(actor: Any, db: Any, action: Any) -> list[tuple[str, dict[str, Any]]]:
    """Run the console stream for `actor` while `action` happens; the events it sends."""
    with db.read_session() as s:
        scope = viewer_scope(s, actor)
    subscription = broker.subscribe()
    if db.is_postgres:  # let notifications of earlier commits pass first: wait for our own marker
        token = uuid.uuid4().hex
        with db.session() as s:
            announce(s, "sync", None, token=token)
        while subscription.get(timeout=10).get("token") != token:
            pass

    async def collect() -> list[str]:
        chunks: list[str] = []
        gen = stream_views._events(db, actor, scope, "case", subscription)
        chunks.append(await gen.__anext__())  # hello
        await asyncio.get_running_loop().run_in_executor(None, action)
        for _ in range(6):
            try:
                chunks.append(await asyncio.wait_for(gen.__anext__(), timeout=1.5))
            except (TimeoutError, StopAsyncIteration):
                break
        await gen.aclose()
        return chunks

    out = []
    for chunk in asyncio.run(collect()):
        match = re.match(r"event: (\S+)\ndata: (.*)\n\n", chunk)
        if match:
            out.append((match.group(1), json.loads(match.group(2))))
    return out


def test_the_stream_carries_group_changes_to_members_only(client: Any, login: Any, db: Any, actors: Any,
                                                         backend: str) -> None:
    # on PostgreSQL the app's LISTEN thread (started with the client) feeds the broker, as in a server
    cid = new_case(client, login)
    form(client, login, cid)
    events = _stream_events(actors["zfj"], db, lambda: client.post(
        f"/api/v1/cases/{cid}/group/messages", json={"text": "已到现场"}, headers=login("zjj")))
    assert [name for name, _ in events] == [f"group-{cid}"]
    events = _stream_events(actors["zfj"], db, lambda: group_call(client, login, "zjj", cid, "sign"))
    assert {name for name, _ in events} == {"case"} and all(e["id"] == cid for _, e in events)
    # a unit outside the group hears nothing of it
    assert _stream_events(actors["zd_disp"], db, lambda: client.post(
        f"/api/v1/cases/{cid}/group/messages", json={"text": "第二条"}, headers=login("zjj"))) == []
