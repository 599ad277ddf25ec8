"""Who may call the case API: integration keys only on their own channels, intake roles only for
intake, and a console cookie on a state-changing API request only with the console's CSRF token.
On SQLite and PostgreSQL."""

from __future__ import annotations

from tests.cases.test_views import act, create
from tests.integrations.conftest import make_key  # noqa: F401  (fixture)
from tests.web.conftest import console  # noqa: F401  (fixture)


def test_an_integration_key_reads_no_case_through_the_staff_api(client, login, make_key) -> None:  # noqa: F811
    case = create(client, login("calltaker"))
    act(client, login("citydisp"), case["id"], "assign", unit="ZX-DH")
    for system in ("open311", "110", "12345"):
        key = make_key(system)
        assert client.get(f"/api/v1/cases/{case['id']}", headers=key.headers).status_code == 403
        assert client.get("/api/v1/cases", headers=key.headers).status_code == 403


def test_an_integration_key_files_only_through_its_own_channel(client, make_key) -> None:  # noqa: F811
    hotline = make_key("12345")
    sent = client.post("/api/v1/intake/12345", json={"source_id": "GD-0001", "content": "楼道堆放杂物堵塞消防通道",
                                                     "address": "当湖街道东湖路"}, headers=hotline.headers)
    assert sent.status_code == 201, sent.text
    app = make_key("open311")
    probe = client.post("/api/v1/cases", json={"channel": "110", "content": "随便写点什么", "source_system": "12345",
                                               "source_id": "GD-0001"}, headers=app.headers)
    assert probe.status_code == 403, probe.text
    assert sent.json()["number"] not in probe.text
    # the sender still reads back its own request on its own channel
    assert client.get("/api/v1/intake/12345/GD-0001", headers=hotline.headers).status_code == 200


def test_read_only_roles_take_in_no_requests(client, login) -> None:
    for user in ("leader", "editor"):
        resp = client.post("/api/v1/cases", json={"channel": "12345", "content": "路灯不亮", "address": "当湖街道"},
                           headers=login(user))
        assert resp.status_code == 403 and resp.json()["code"] == "forbidden", (user, resp.text)
    assert create(client, login("dh_disp"))["status"] == "received"


def test_a_console_cookie_changes_nothing_through_the_api_without_the_csrf_token(client, login, console) -> None:  # noqa: F811
    cid = create(client, login("calltaker"))["id"]
    act(client, login("citydisp"), cid, "assign", unit="ZX-DH")
    browser = console("dh_disp")  # holds only the session cookie
    forged = browser.client.post(f"/api/v1/cases/{cid}/actions/sign", headers={"Content-Type": "text/plain"},
                                 content=b"")
    assert forged.status_code == 403 and "X-CSRF-Token" in forged.json()["message"], forged.text
    forged_intake = browser.client.post("/api/v1/cases", json={"channel": "12345", "content": "伪造的诉求内容"})
    assert forged_intake.status_code == 403, forged_intake.text
    assert browser.client.get(f"/api/v1/cases/{cid}").json()["status"] == "assigned"  # reading needs no token
    browser.get("/queue")  # the page's token
    signed = browser.client.post(f"/api/v1/cases/{cid}/actions/sign", json={}, headers={"X-CSRF-Token": browser.csrf})
    assert signed.status_code == 200 and signed.json()["status"] == "signed", signed.text
