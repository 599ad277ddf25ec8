"""The case API end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from minsheng.directory.models import AuditLog

NEW_CASE = {
    "channel": "12345",
    "content": "当湖街道水洞埭社区楼下广场舞音响声音太大，晚上十点还没停",
    "address": "当湖街道水洞埭社区",
    "citizen_name": "张三丰",
    "citizen_phone": "13812345678",
}


def create(client: Any, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    resp = client.post("/api/v1/cases", json={**NEW_CASE, **overrides}, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def act(client: Any, headers: dict[str, str], case_id: int, action: str, expect: int = 200, **body: Any) -> Any:
    resp = client.post(f"/api/v1/cases/{case_id}/actions/{action}", json=body, headers=headers)
    assert resp.status_code == expect, resp.text
    return resp.json()


def test_the_smallest_lifecycle_ends_closed_with_every_step_on_the_timeline(client, login) -> None:
    ct, city, town, sup = login("calltaker"), login("citydisp"), login("dh_disp"), login("supervisor")
    created = create(client, ct)
    assert created["status"] == "received" and len(created["number"]) == 13
    cid = created["id"]
    act(client, city, cid, "assign", unit="ZX-DH")
    act(client, town, cid, "sign")
    act(client, town, cid, "feedback", text="已上门劝导，音响音量已调低")
    act(client, sup, cid, "approve")
    detail = act(client, ct, cid, "callback", rating="satisfied", comment="很快")
    assert detail["status"] == "closed"
    assert detail["rating"] == "satisfied"
    assert [e["action"] for e in detail["timeline"]] == ["create", "assign", "sign", "feedback", "approve",
                                                         "callback"]
    assert all(e["actor_name"] for e in detail["timeline"])
    assert detail["timeline"][1]["from_status"] == "received" and detail["timeline"][1]["to_status"] == "assigned"
    assert detail["public_answer"] == "已上门劝导，音响音量已调低"
    for stamp in ("assigned_at", "signed_at", "replied_at", "closed_at", "rated_at"):
        assert detail[stamp] is not None


def test_full_lifecycle_with_team_dispatch(client, login, team_status) -> None:
    ct, city, town, team = login("calltaker"), login("citydisp"), login("dh_disp"), login("dh_team")
    cid = create(client, ct)["id"]
    act(client, city, cid, "assign", unit="ZX-DH")
    act(client, town, cid, "sign")
    act(client, town, cid, "dispatch_team", team="T-DH-1")
    assert team_status("T-DH-1") == "en_route"
    # the team member sees its task and reports from the scene
    tasks = client.get("/api/v1/cases", headers=team).json()["items"]
    assert [t["id"] for t in tasks] == [cid]
    act(client, team, cid, "arrive")
    assert team_status("T-DH-1") == "on_site"
    detail = act(client, team, cid, "feedback", text="现场调解完毕")
    assert detail["status"] == "replied"
    assert team_status("T-DH-1") == "on_duty"


def test_illegal_action_answers_409_with_the_allowed_actions(client, login) -> None:
    city = login("citydisp")
    cid = create(client, login("calltaker"))["id"]
    body = act(client, city, cid, "approve", expect=409)
    assert body["code"] == "conflict"
    assert "assign" in body["allowed_actions"]
    assert "不允许" in body["message"]


def test_action_fields_are_required_and_named(client, login) -> None:
    city = login("citydisp")
    cid = create(client, login("calltaker"))["id"]
    body = act(client, city, cid, "assign", expect=422)
    assert body["field"] == "unit"
    body = act(client, city, cid, "assign", expect=422, unit="NOPE")
    assert body["field"] == "unit" and "NOPE" in body["message"]
    act(client, city, cid, "assign", unit="ZFJ")
    body = act(client, login("zfj"), cid, "return", expect=422)
    assert body["field"] == "reason"


def test_validation_errors_name_the_field(client, login) -> None:
    resp = client.post("/api/v1/cases", json={**NEW_CASE, "channel": "fax"}, headers=login("calltaker"))
    assert resp.status_code == 422
    assert resp.json()["field"] == "channel"
    resp = client.post("/api/v1/cases", json={**NEW_CASE, "citizen_phone": "abc"}, headers=login("calltaker"))
    assert resp.json()["field"] == "citizen_phone"


def test_unauthenticated_requests_are_refused(client) -> None:
    assert client.get("/api/v1/cases").status_code == 401
    assert client.post("/api/v1/cases", json=NEW_CASE).status_code == 401
    resp = client.post("/api/v1/auth/token", data={"username": "citydisp", "password": "wrong-password"})
    assert resp.status_code == 401 and resp.json()["message"] == "用户名或密码错误"
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_town_users_see_only_their_town(client, login) -> None:
    ct, city = login("calltaker"), login("citydisp")
    dh_case = create(client, ct)["id"]
    act(client, city, dh_case, "assign", unit="ZX-DH")
    zfj_case = create(client, ct, content="钟埭街道某饭店油烟直排扰民", address="钟埭街道")["id"]
    act(client, city, zfj_case, "assign", unit="ZFJ")
    zd = login("zd_disp")
    assert client.get(f"/api/v1/cases/{dh_case}", headers=zd).status_code == 404
    assert client.post(f"/api/v1/cases/{dh_case}/actions/sign", json={}, headers=zd).status_code == 404
    # routing placed the 钟埭 case in its town: the town's sub-centre sees it, and nothing else
    assert [c["id"] for c in client.get("/api/v1/cases", headers=zd).json()["items"]] == [zfj_case]
    dh_ids = [c["id"] for c in client.get("/api/v1/cases", headers=login("dh_disp")).json()["items"]]
    assert dh_ids == [dh_case]
    zfj_ids = [c["id"] for c in client.get("/api/v1/cases", headers=login("zfj")).json()["items"]]
    assert zfj_ids == [zfj_case]
    assert {c["id"] for c in client.get("/api/v1/cases", headers=city).json()["items"]} == {dh_case, zfj_case}


def test_a_village_case_is_seen_by_its_town_and_signed_by_the_village(client, login) -> None:
    cid = create(client, login("calltaker"))["id"]
    act(client, login("citydisp"), cid, "assign", unit="330482001001")
    assert client.get(f"/api/v1/cases/{cid}", headers=login("dh_disp")).status_code == 200
    detail = act(client, login("village"), cid, "sign")
    assert detail["level"] == "village" and detail["command_unit"] == "ZX-DH"
    # another department may not act on it
    assert client.post(f"/api/v1/cases/{cid}/actions/feedback", json={"text": "x"},
                       headers=login("zfj")).status_code == 404
    detail = act(client, login("dh_disp"), cid, "escalate", reason="村里调解不了")
    assert detail["level"] == "town" and detail["escalated"] and detail["command_unit"] == "ZX-DH"


def test_personal_data_is_masked_and_every_unmasked_view_is_audited(client, login, db) -> None:
    cid = create(client, login("calltaker"))["id"]
    city = login("citydisp")
    detail = client.get(f"/api/v1/cases/{cid}", headers=city).json()
    assert detail["citizen_phone"] == "138****5678" and detail["citizen_name"] == "张**"
    listed = client.get("/api/v1/cases", headers=city).json()["items"][0]
    assert "13812345678" not in str(listed)
    resp = client.get(f"/api/v1/cases/{cid}/contact", params={"reason": "回访"}, headers=city)
    assert resp.json() == {"citizen_name": "张三丰", "citizen_phone": "13812345678"}
    assert client.get(f"/api/v1/cases/{cid}/contact", headers=login("leader")).status_code == 403
    with db.read_session() as s:
        logs = s.scalars(select(AuditLog)).all()
        assert [(log.username, log.case_id, log.reason) for log in logs] == [("citydisp", cid, "回访")]


def test_list_filters_and_keyset_pagination(client, login) -> None:
    ct, city = login("calltaker"), login("citydisp")
    ids = [create(client, ct, content=f"第{i}件：路灯不亮，当湖街道", channel="web" if i % 2 else "12345")["id"]
           for i in range(7)]
    act(client, city, ids[0], "assign", unit="ZJJ")
    page = client.get("/api/v1/cases", params={"limit": 3}, headers=city).json()
    seen = [c["id"] for c in page["items"]]
    while page["next_cursor"]:
        page = client.get("/api/v1/cases", params={"limit": 3, "cursor": page["next_cursor"]}, headers=city).json()
        seen += [c["id"] for c in page["items"]]
    assert seen == sorted(ids, reverse=True)
    web = client.get("/api/v1/cases", params={"channel": "web"}, headers=city).json()["items"]
    assert {c["id"] for c in web} == {ids[i] for i in range(7) if i % 2}
    assigned = client.get("/api/v1/cases", params={"status": "assigned"}, headers=city).json()["items"]
    assert [c["id"] for c in assigned] == [ids[0]]
    assert client.get("/api/v1/cases", params={"unit": "ZJJ"}, headers=city).json()["items"][0]["id"] == ids[0]
    found = client.get("/api/v1/cases", params={"text": "第3件"}, headers=city).json()["items"]
    assert [c["id"] for c in found] == [ids[3]]
    assert client.get("/api/v1/cases", params={"status": "nonsense"}, headers=city).status_code == 422
    assert client.get("/api/v1/cases", params={"cursor": "!!"}, headers=city).status_code == 422


def test_merged_duplicates_close_with_their_master_and_get_its_answer(client, login) -> None:
    ct, city, town = login("calltaker"), login("citydisp"), login("dh_disp")
    master = create(client, ct)["id"]
    dup = create(client, ct, citizen_phone="13900000000")["id"]
    act(client, city, master, "assign", unit="ZX-DH")
    detail = act(client, city, dup, "merge", master_case_id=master)
    assert detail["merged"] and detail["allowed_actions"] == ["close"]  # it only waits for its master
    act(client, town, master, "sign")
    act(client, town, master, "feedback", text="已处理")
    act(client, login("supervisor"), master, "approve")
    dup_detail = client.get(f"/api/v1/cases/{dup}", headers=city).json()
    assert dup_detail["status"] == "closed" and dup_detail["public_answer"] == "已处理"
    assert dup_detail["timeline"][-1]["action"] == "close"
    # the duplicate's citizen can still rate
    assert "callback" in dup_detail["allowed_actions"]


def test_return_suspend_resume_reopen(client, login) -> None:
    ct, city, zfj = login("calltaker"), login("citydisp"), login("zfj")
    cid = create(client, ct)["id"]
    act(client, city, cid, "assign", unit="ZFJ")
    detail = act(client, zfj, cid, "return", reason="不属于本单位职责")
    assert detail["status"] == "received" and detail["unit"] is None
    act(client, city, cid, "assign", unit="ZX-DH")
    town = login("dh_disp")
    act(client, town, cid, "sign")
    detail = act(client, town, cid, "suspend", reason="等待群众补充材料")
    assert detail["suspended"] and detail["allowed_actions"] == ["resume", "escalate"]
    act(client, town, cid, "feedback", expect=409, text="x")
    act(client, town, cid, "resume")
    act(client, town, cid, "feedback", text="已处理")
    act(client, city, cid, "approve")
    act(client, ct, cid, "callback", rating="unsatisfied", comment="没解决")
    detail = act(client, ct, cid, "reopen", reason="群众不满意")
    assert detail["status"] == "assigned" and detail["reopen_count"] == 1 and detail["rating"] is None


def test_attachments_are_checked_and_stored(client, login) -> None:
    city = login("citydisp")
    cid = create(client, login("calltaker"))["id"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    resp = client.post(f"/api/v1/cases/{cid}/attachments", files={"file": ("现场.png", png, "image/png")},
                       headers=city)
    assert resp.status_code == 201, resp.text
    att = resp.json()
    assert client.get(f"/api/v1/cases/attachments/{att['id']}", headers=city).content == png
    bad = client.post(f"/api/v1/cases/{cid}/attachments", files={"file": ("x.png", b"GIF89a", "image/png")},
                      headers=city)
    assert bad.status_code == 415 and bad.json()["code"] == "attachment_rejected"
    exe = client.post(f"/api/v1/cases/{cid}/attachments",
                      files={"file": ("x.exe", b"MZ\x90", "application/octet-stream")}, headers=city)
    assert exe.status_code == 415
    detail = client.get(f"/api/v1/cases/{cid}", headers=city).json()
    assert [a["filename"] for a in detail["attachments"]] == ["现场.png"]


def test_read_endpoints(client, login) -> None:
    h = login("leader")
    units = client.get("/api/v1/units", headers=h).json()
    assert {"SZZX", "ZX-DH", "330482001001"} <= {u["code"] for u in units}
    assert len(client.get("/api/v1/categories", headers=h).json()) == 53
    teams = client.get("/api/v1/teams", params={"town": "330482001"}, headers=h).json()
    assert [t["code"] for t in teams] == ["T-DH-1", "T-DH-2"]
    towns = client.get("/api/v1/divisions", params={"level": "town"}, headers=h).json()
    assert len(towns) == 9
    assert client.get("/api/v1/me", headers=h).json()["role"] == "leader"


def test_text_search_takes_percent_and_underscore_literally(client, login) -> None:
    ct, city = login("calltaker"), login("citydisp")
    plain = create(client, ct, content="路灯不亮已经三天")["id"]
    marked = create(client, ct, content="水费涨了50%_请核实")["id"]
    for text, expected in (("_", [marked]), ("%", [marked]), ("50%_", [marked]), ("路灯", [plain])):
        items = client.get("/api/v1/cases", params={"text": text}, headers=city).json()["items"]
        assert [c["id"] for c in items] == expected, text


def test_the_stored_file_is_named_by_its_checked_type_not_by_the_client(client, login, db) -> None:
    from minsheng.cases.models import Attachment

    city = login("citydisp")
    cid = create(client, login("calltaker"))["id"]
    jpeg = b"\xff\xd8\xff\xe0" + b"0" * 100
    raw = ('--B\r\nContent-Disposition: form-data; name="file"; filename="照片.jp\x00g\x01"\r\n'
           'Content-Type: image/jpeg\r\n\r\n').encode() + jpeg + b"\r\n--B--\r\n"  # as sent, not escaped
    resp = client.post(f"/api/v1/cases/{cid}/attachments", content=raw,
                       headers={**city, "content-type": "multipart/form-data; boundary=B"})
    assert resp.status_code == 201 and resp.json()["filename"] == "照片.jpg", resp.text
    with db.read_session() as s:
        assert s.get(Attachment, resp.json()["id"]).storage_path.endswith(".jpg")
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32
    as_webp = client.post(f"/api/v1/cases/{cid}/attachments", files={"file": ("a.webp", wav, "image/webp")},
                          headers=city)
    assert as_webp.status_code == 415, as_webp.text
    webp = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
    assert client.post(f"/api/v1/cases/{cid}/attachments", files={"file": ("a.webp", webp, "image/webp")},
                       headers=city).status_code == 201


def test_read_only_accounts_attach_no_files(client, login) -> None:
    cid = create(client, login("calltaker"))["id"]
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    for user in ("leader", "editor"):
        resp = client.post(f"/api/v1/cases/{cid}/attachments", files={"file": ("a.png", png, "image/png")},
                           headers=login(user))
        assert resp.status_code == 403, (user, resp.text)
    assert client.post(f"/api/v1/cases/{cid}/attachments", files={"file": ("a.png", png, "image/png")},
                       headers=login("citydisp")).status_code == 201


def test_a_file_over_the_limit_is_413_and_a_wrong_type_415_without_echoing_it() -> None:
    import pytest

    from minsheng.cases.attachments import AttachmentRejected, check_file
    from minsheng.settings import Settings

    settings = Settings(max_attachment_bytes=16)
    with pytest.raises(AttachmentRejected) as big:
        check_file("image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 16, settings)
    assert big.value.status_code == 413 and "MB" in big.value.message
    with pytest.raises(AttachmentRejected) as odd:
        check_file("application/x-ms-dos-executable", b"MZ", settings)
    assert odd.value.status_code == 415 and "x-ms-dos" not in odd.value.message
