"""The group's thread: members and the centre post, @mention units, attach files; read state per unit."""

from __future__ import annotations

import psycopg

from minsheng.events.publish import CHANNEL, broker, unpacked
from tests.groups.helpers import form, group_call, new_case, notifications, ok

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def post(client, login, user: str, cid: int, expect: int = 201, **body):
    return ok(client.post(f"/api/v1/cases/{cid}/group/messages", json=body, headers=login(user)), expect)


def messages(client, login, user: str, cid: int, after: int = 0):
    return ok(client.get(f"/api/v1/cases/{cid}/group/messages", params={"after": after}, headers=login(user)))


def test_members_talk_with_mentions_attachments_and_read_state(client, login, db) -> None:
    cid = new_case(client, login)
    form(client, login, cid)
    upload = client.post(f"/api/v1/cases/{cid}/attachments", files={"file": ("现场.png", PNG, "image/png")},
                         headers=login("zfj"))
    assert upload.status_code == 201, upload.text  # a co-unit may attach to a case it co-handles
    att = upload.json()["id"]
    first = post(client, login, "zfj", cid, text="@市住房和城乡建设局 物业方面请贵局牵头约谈，现场照片见附件",
                 attachments=[att])
    assert first["mentions"] == ["ZJJ"] and first["attachments"][0]["filename"] == "现场.png"
    second = post(client, login, "citydisp", cid, text="请各单位今天内签收", mentions=["ZFJ", "ZX-DH"])
    assert second["unit"] == "SZZX" and second["mentions"] == ["ZFJ", "ZX-DH"]
    mentioned = notifications(db, "group_mention")
    assert [(n["to"]["unit"], n["params"]["author_unit"]) for n in mentioned] == [
        ("ZJJ", "ZFJ"), ("ZFJ", "SZZX"), ("ZX-DH", "SZZX")]

    # the author's own unit has read its message; the lead has read nothing yet
    thread = messages(client, login, "zjj", cid)
    assert [m["id"] for m in thread["messages"]] == [first["id"], second["id"]]
    assert thread["messages"][0]["read_by"] == ["ZFJ", "SZZX"]
    assert thread["messages"][1]["read_by"] == ["SZZX"]
    assert thread["last_read_id"] == 0
    assert ok(client.get(f"/api/v1/cases/{cid}/group", headers=login("zjj")))["unread"] == 2
    assert group_call(client, login, "zjj", cid, "read", up_to=first["id"])["last_read_id"] == first["id"]
    assert ok(client.get(f"/api/v1/cases/{cid}/group", headers=login("zjj")))["unread"] == 1
    group_call(client, login, "zjj", cid, "read")
    thread = messages(client, login, "dh_disp", cid)
    assert thread["messages"][1]["read_by"] == ["ZJJ", "SZZX"]
    assert ok(client.get(f"/api/v1/cases/{cid}/group", headers=login("zjj")))["unread"] == 0
    # reading never moves backwards
    group_call(client, login, "zjj", cid, "read", up_to=0)
    assert messages(client, login, "zjj", cid)["last_read_id"] == second["id"]
    assert [m["id"] for m in messages(client, login, "zjj", cid, after=first["id"])["messages"]] == [second["id"]]


def test_who_may_post_and_what_may_be_mentioned_or_attached(client, login) -> None:
    cid = new_case(client, login)
    other = new_case(client, login)
    form(client, login, cid, members=("ZFJ",))
    assert post(client, login, "dh_disp", cid, expect=403, text="我不是成员")["code"] == "forbidden"
    assert post(client, login, "leader", cid, expect=403, text="领导只读")["code"] == "forbidden"
    assert post(client, login, "zd_disp", cid, expect=404, text="看不到")["code"] == "not_found"
    assert post(client, login, "zfj", cid, expect=422, text="@谁", mentions=["GAJ"])["field"] == "mentions"
    foreign = client.post(f"/api/v1/cases/{other}/attachments", files={"file": ("a.png", PNG, "image/png")},
                          headers=login("calltaker")).json()["id"]
    assert post(client, login, "zfj", cid, expect=422, text="错附件", attachments=[foreign])["field"] == "attachments"
    assert post(client, login, "zfj", cid, expect=422, text="")["field"] == "text"
    assert messages(client, login, "dh_disp", cid)["messages"] == []  # its town: may read, not post


def test_a_new_message_is_announced_to_live_consoles(client, login, db, backend) -> None:
    cid = new_case(client, login)
    form(client, login, cid, members=("ZFJ",))
    if backend == "postgresql":
        with psycopg.connect(db.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            msg = post(client, login, "zfj", cid, text="已到现场")
            seen = [m for n in conn.notifies(timeout=2) for m in unpacked(n.payload)]
    else:
        q = broker.subscribe()
        try:
            msg = post(client, login, "zfj", cid, text="已到现场")
            seen = []
            while not q.empty():
                seen.append(q.get_nowait())
        finally:
            broker.unsubscribe(q)
    announced = [m for m in seen if m["kind"] == "group_message"]
    assert announced == [{"kind": "group_message", "case_id": cid, "group_id": announced[0]["group_id"],
                          "message_id": msg["id"], "unit": "ZFJ", "mentions": []}]
