"""End to end in headless Chromium, as the people would do it (Debian's chromium, never a downloaded one).

A call-taker takes a fast-track call; the town dispatcher, in a second browser context, sees it arrive
without reloading, signs, dispatches the nearest team; the team member feeds back from the phone
view; the city centre approves and closes. On PostgreSQL the call-taker and the team member use one
server process and the dispatcher and the centre another, so live updates cross processes.
Screenshots of each role's main page go to tests/artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.web.live_server import LiveServer

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("MINSHENG_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make chromium` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def servers(db: Any, tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    a = LiveServer(db.url, tmp_path).start()
    b = LiveServer(db.url, tmp_path).start() if db.is_postgres else a
    yield a, b
    for server in {id(a): a, id(b): b}.values():
        server.stop()


def _login(browser: Any, base: str, username: str, *, phone: bool = False) -> Any:
    options: dict[str, Any] = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
    options |= ({"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True} if phone
                else {"viewport": {"width": 1440, "height": 900}})
    page = browser.new_context(**options).new_page()
    page.set_default_timeout(10_000)
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state("domcontentloaded")
    return page


def _shot(page: Any, name: str, backend: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{backend}-{name}.png"), full_page=True)


def _live(page: Any) -> None:
    page.wait_for_selector("#live-dot.on")  # the SSE stream is open


def test_call_to_close_across_roles(browser: Any, servers: tuple[LiveServer, LiveServer], backend: str) -> None:
    a, b = servers
    town = _login(browser, b.url, "dh_disp")
    assert town.url.endswith("/queue")
    _live(town)
    town.evaluate("window.__notReloaded = true")
    member = _login(browser, a.url, "dh_team", phone=True)
    assert member.url.endswith("/m")
    _live(member)
    member.evaluate("window.__notReloaded = true")

    taker = _login(browser, a.url, "calltaker")
    assert taker.url.endswith("/intake")
    taker.fill("textarea[name=content]", "东湖小区楼下两户邻居因为漏水吵起来了，快要动手，请马上派人调解")
    taker.fill("input[name=address]", "当湖街道东湖小区5幢")
    taker.fill("input[name=citizen_phone]", "13905731234")
    # suggestions arrive while typing, and stay (the form's hx-select must not swallow them)
    taker.locator("#sugg-box").wait_for(timeout=10_000)
    assert "类别" in taker.locator("#suggestions").inner_text()
    # a refused action says why in the message bar (an error answer has no #intake-main to select)
    taker.click("button[value=answer]")
    taker.locator("#flash .flash.error").wait_for(timeout=5_000)
    assert "答复内容" in taker.locator("#flash").inner_text()
    assert taker.locator("#sugg-box").count() == 1
    taker.select_option("#unit-select", "ZX-DH")
    taker.select_option("#category-select", "JC01")  # 邻里纠纷: fast track
    _shot(taker, "calltaker-intake", backend)
    taker.click("#one-click")
    number = taker.locator("#created-case").inner_text(timeout=10_000).strip()
    assert "已派单" in taker.locator("#flash").inner_text()

    # the town dispatcher's queue shows it, without a reload, with a fast-track announcement
    row = town.locator(f"#col-assigned .row:has-text('{number}')")
    row.wait_for(timeout=5_000)
    assert town.evaluate("window.__notReloaded") is True
    assert town.locator(".toast.fast").count() >= 1
    assert row.locator(".countdown").count() in (0, 1)  # drawn only from real clocks
    _shot(town, "town-dispatcher-queue", backend)

    row.click()
    town.wait_for_selector("#case-main")
    town.click("button[data-action=sign]")
    town.wait_for_selector("#case-status:has-text('已签收')")
    dispatch = town.locator("#dispatch button[data-team]").first
    team_code = dispatch.get_attribute("data-team")
    assert team_code in ("T-DH-1", "T-DH-2")
    if team_code != "T-DH-1":
        pytest.fail(f"the team member belongs to T-DH-1 but {team_code} was ranked first")
    dispatch.click()
    town.wait_for_selector("#case-status:has-text('已派遣')")
    _shot(town, "town-dispatcher-case", backend)

    # the team member's phone shows the task without a reload; arrive, then feed back
    task = member.locator(f"#case-{_case_id(town)}")
    task.wait_for(timeout=5_000)
    assert member.evaluate("window.__notReloaded") is True
    task.locator("button[data-action=arrive]").click()
    member.wait_for_selector("button[data-action=feedback]")
    member.fill("textarea[name=text]", "已到场，双方情绪稳定，物业答应今天修好漏水管，已调解")
    _shot(member, "team-member-phone", backend)
    member.click("button[data-action=feedback]")
    member.wait_for_selector("text=暂无任务")

    # the centre approves and closes
    centre = _login(browser, b.url, "citydisp")
    _live(centre)
    _shot(centre, "city-dispatcher-queue", backend)
    centre.goto(f"{b.url}/cases/{_case_id(town)}")
    centre.wait_for_selector("#case-status:has-text('待审核')")
    centre.click("button[data-action=approve]")  # opens the form: closing is a second step
    centre.click("#form-approve button.go")
    centre.wait_for_selector("#case-status:has-text('已办结')")
    _shot(centre, "city-dispatcher-case-closed", backend)

    for username, name in (("supervisor", "supervisor-escalations"), ("leader", "leader-dashboard")):
        page = _login(browser, b.url, username)
        page.wait_for_load_state("networkidle")
        _shot(page, name, backend)
    board = _login(browser, b.url, "dh_disp")
    board.goto(b.url + "/teams")
    _shot(board, "town-dispatcher-teams", backend)


def _case_id(page: Any) -> str:
    return str(page.locator("#case-main").get_attribute("data-case-id"))


def test_the_board_shows_how_far_behind_the_background_work_is(browser: Any, servers: tuple[LiveServer, LiveServer],
                                                                db: Any, actors: Any, backend: str) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import delete

    from minsheng.cases.schemas import CaseCreate
    from minsheng.cases.service import do_create_case
    from minsheng.routing.tables import RoutingQueue

    with db.session() as s:  # a case the background router has not routed for eleven minutes (the
        # live server keeps real time, not the tests' fake clock)
        case = do_create_case(s, CaseCreate(channel="12345", content="路灯不亮好几天了", address="当湖街道"),
                              actors["calltaker"])
        s.add(RoutingQueue(case_id=case.id, queued_at=datetime.now(UTC) - timedelta(minutes=11), attempts=0))
    page = _login(browser, servers[0].url, "supervisor")
    page.goto(servers[0].url + "/escalations")
    row = "#backlog tr[data-queue=routing]"
    page.wait_for_selector(f"{row}[data-state=stalled]:has-text('停滞'):has-text('11分')")
    assert page.locator("#backlog tr[data-queue]").count() == 4
    _shot(page, "supervisor-backlog", backend)
    with db.session() as s:  # the router caught up
        s.execute(delete(RoutingQueue).where(RoutingQueue.case_id == case.id))
    # the panel's own refresh (every 15 s), asked for now
    page.evaluate("htmx.ajax('GET', '/escalations/backlog', {target: '#backlog', swap: 'outerHTML'})")
    page.wait_for_selector(f"{row}[data-state=ok]:has-text('正常')")
    assert page.locator("#backlog").get_attribute("data-state") == "ok"
