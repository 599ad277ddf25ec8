"""The one-click group in Chromium against a running server on PostgreSQL: form it from the
proposal, members sign and talk (the thread updates live on the other pages), parts, the joint
answer, approval. Debian's chromium, never a downloaded browser."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from minsheng.db import Database
from tests.conftest import PASSWORD
from tests.groups.helpers import HARD_CASE
from tests.web.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def server(db: Database, tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(db.url, tmp_path).start()
    yield live
    live.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("Debian's chromium is required (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def api(server: LiveServer, username: str) -> httpx.Client:
    token = httpx.post(f"{server.url}/api/v1/auth/token", data={"username": username, "password": PASSWORD}).json()
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10)


def signed_in(browser: Any, server: LiveServer, username: str, path: str) -> Any:
    page = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    page.set_default_timeout(15000)
    page.goto(f"{server.url}/login?next={path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"**{path}")
    page.wait_for_selector("#live-dot.on")  # the live stream is connected
    return page


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"group-{name}.png"), full_page=True)


def test_a_group_is_formed_worked_and_answered_in_the_browser(server: LiveServer, browser: Any) -> None:
    case_id = api(server, "calltaker").post("/api/v1/cases", json=HARD_CASE).json()["id"]
    path = f"/cases/{case_id}"

    # the centre opens the case and forms the group from the proposal, leaving the community out
    centre = signed_in(browser, server, "citydisp", path)
    centre.click("#group-open")
    centre.wait_for_selector("#group-form")
    assert "诉求类别「物业服务纠纷」的承办单位" in centre.inner_text("#group-form")
    assert centre.input_value("#group-lead") == "ZJJ"
    centre.uncheck("#group-form input[name=members][value='330482001001']")
    centre.fill("#group-form textarea[name=note]", "油烟、占道、物业三方联动")
    shot(centre, "1-proposal")
    centre.click("#group-confirm")
    centre.wait_for_selector("#group-status")
    assert centre.inner_text("#group-status") == "办理中"
    assert centre.locator("tr.member").count() == 3
    assert centre.locator("tr.member[data-unit='ZFJ'] .countdown").count() == 2  # its sign and part clocks

    # a co-unit signs and writes to the group; the centre's open page shows the message live
    zfj = signed_in(browser, server, "zfj", path)
    zfj.click("[data-group-action=sign]")
    zfj.wait_for_selector("tr.member[data-unit='ZFJ'] .sign-cell .done")
    zfj.fill("#group-post textarea[name=text]", "物业方面请住建局牵头约谈，油烟由我局立案查处")
    zfj.check("#group-post input[name=mentions][value='ZJJ']")
    zfj.click("[data-group-action=post]")
    zfj.wait_for_selector("#thread-list li.msg.mine")
    centre.wait_for_selector("#thread-list li.msg:has-text('油烟由我局立案查处')")
    assert centre.locator("tr.member[data-unit='ZFJ'] .sign-cell .done").count() == 1  # refreshed live too

    # the lead reads the thread (its read state reaches the sender's page on the next message)
    lead = signed_in(browser, server, "zjj", path)
    lead.wait_for_selector("#thread-list li.msg:has-text('@市住房和城乡建设局')")
    lead.click("[data-group-action=sign]")
    lead.wait_for_selector("tr.member[data-unit='ZJJ'] .sign-cell .done")
    assert "joint_feedback" not in (lead.locator("[data-group-action]").evaluate_all(
        "els => els.map(e => e.dataset.groupAction)"))

    # both co-units record their parts; while a part is being written, the live refresh waits
    zfj.wait_for_selector("tr.member[data-unit='ZJJ'] .sign-cell .done")  # the lead's sign reached it live
    zfj.click("[data-group-action=part]")
    zfj.fill("#gform-part textarea", "已对饭店油烟直排立案查处，责令加装油烟净化器")
    # a live refresh already on its way when typing began does not land on the form either
    with zfj.expect_response(lambda r: r.url.endswith(path) and r.request.method == "GET"):
        zfj.evaluate("""htmx.ajax("GET", location.pathname, {target: "#case-main", select: "#case-main",
                                                      swap: "outerHTML", headers: {"X-Live-Refresh": "1"}})""")
    zfj.wait_for_selector("#flash:has-text('案件有新动态')")
    assert zfj.is_visible("#gform-part") and "立案查处" in zfj.input_value("#gform-part textarea")
    zfj.evaluate("document.getElementById('flash').innerHTML = ''")
    town = signed_in(browser, server, "dh_disp", path)
    town.click("[data-group-action=sign]")
    town.wait_for_selector("[data-group-action=part]")
    zfj.wait_for_selector("#flash:has-text('案件有新动态')")  # the town's sign arrived, the page waits
    assert "立案查处" in zfj.input_value("#gform-part textarea")
    zfj.click("#gform-part button.primary")
    zfj.wait_for_selector("tr.member[data-unit='ZFJ'] .part-text")
    assert zfj.locator("tr.member[data-unit='ZX-DH'] .sign-cell .done").count() == 1  # now up to date
    town.click("[data-group-action=part]")
    town.fill("#gform-part textarea", "社区已约谈业主和物业，占道物品已清理")
    town.click("#gform-part button.primary")
    town.wait_for_selector("tr.member[data-unit='ZX-DH'] .part-text")

    # the lead's page offers the joint answer once every part is in (live), citing the parts
    lead.wait_for_selector("[data-group-action=joint_feedback]")
    lead.click("[data-group-action=joint_feedback]")
    assert "占道物品已清理" in lead.inner_text("#gform-feedback .cited")
    lead.fill("#gform-feedback textarea", "经三方联合处置，油烟、占道问题已解决，物业已整改")
    lead.click("#gform-feedback button.primary")
    lead.wait_for_selector("#group-status:has-text('联合答复待审核')")
    shot(lead, "2-joint-answer")

    # the supervisor approves; every page shows the case closed
    sup = signed_in(browser, server, "supervisor", path)
    sup.click("button[data-action=approve]")  # opens the form: closing is a second step
    sup.click("#form-approve button.go")
    sup.wait_for_selector("#case-status:has-text('已办结')")
    centre.wait_for_selector("#group-status:has-text('已办结')")
    shot(centre, "3-closed")
    detail = api(server, "citydisp").get(f"/api/v1/cases/{case_id}").json()
    assert detail["status"] == "closed" and detail["extra"]["group"]["status"] == "closed"
    assert "社区已约谈业主和物业" in detail["feedback_text"]
