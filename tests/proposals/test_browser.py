"""A suggestion from spreadsheet to public page, in headless Chromium (Debian's, never a downloaded one),
against a real uvicorn server on the test database.

The centre imports a spreadsheet (first with a bad row: the error report, nothing imported), the
host unit signs, finds no reply button before it records a contact, contacts the deputy and drafts
the reply; the unit's leader approves; the unit delivers; the centre records the deputy's rating; the
editor publishes the redacted page; anyone reads and prints it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.proposals.test_importer import as_csv, row
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
def server(db: Any, tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(db.url, tmp_path).start()
    yield live
    live.stop()


def open_page(browser: Any, base: str, username: str | None = None) -> Any:
    page = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                               viewport={"width": 1440, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    if username:
        page.goto(base + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.wait_for_load_state("domcontentloaded")
    return page


def shot(page: Any, name: str, backend: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{backend}-proposals-{name}.png"), full_page=True)


def act(page: Any, action: str, fields: dict[str, str] | None = None, selects: dict[str, str] | None = None) -> None:
    """Open the action's form, fill it and confirm; wait for the page to come back."""
    page.click(f"#actions button[data-action={action}]")
    form = f"#form-{action}"
    for name, value in (fields or {}).items():
        page.fill(f"{form} [name={name}]", value)
    for name, value in (selects or {}).items():
        page.select_option(f"{form} select[name={name}]", value)
    with page.expect_response(lambda r: f"/act/{action}" in r.url):
        page.click(f"{form} button.primary, {form} button.go, {form} button.danger")
    page.wait_for_selector("#proposal-main")


def test_from_spreadsheet_to_printed_page(browser: Any, server: LiveServer, backend: str, tmp_path: Path) -> None:
    base = server.url
    # 1. the centre imports: a bad sheet is refused with its report, a good one goes in and is assigned
    centre = open_page(browser, base, "citydisp")
    centre.goto(base + "/proposals/import")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(as_csv([row("31"), row("32", 背景="太短"), row("33", 主办单位="市宇宙局")]))
    centre.set_input_files("#import-form input[type=file]", str(bad))
    centre.click("#import-form button.primary")
    centre.wait_for_selector("#import-errors")
    report = centre.locator("#import-errors tr").all_inner_texts()
    assert [line.split("\t")[:2] for line in report[1:]] == [["3", "背景"], ["4", "主办单位"]]
    assert "未导入任何记录" in centre.inner_text("#import-result")
    shot(centre, "import-errors", backend)
    centre.goto(base + "/proposals")
    assert centre.locator("#proposal-list tr[data-proposal]").count() == 0
    good = tmp_path / "good.csv"
    good.write_bytes(as_csv([row("31", 主办单位="市住房和城乡建设局", 协办单位="市综合行政执法局")]))
    centre.goto(base + "/proposals/import")
    centre.set_input_files("#import-form input[type=file]", str(good))
    centre.click("#import-form button.primary")
    centre.wait_for_selector("#import-result:has-text('已导入 1 件')")

    # 2. the host unit signs; there is no reply button before a contact is recorded
    unit = open_page(browser, base, "zjj")
    unit.goto(base + "/proposals")
    unit.click("#proposal-list a")
    unit.wait_for_selector("#proposal-main")
    unit.click("#actions button[data-action=sign]")
    unit.wait_for_selector("#proposal-status:has-text('办理中')")
    assert unit.locator("#actions button[data-action=draft_reply]").count() == 0
    assert unit.locator("#clocks .countdown[data-stage=contact]").count() == 1
    act(unit, "record_contact", {"people": "沈建华代表、副局长王建国", "place": "市住建局会议室",
                                 "content": "当面听取代表意见，王建国介绍补助政策，联系电话13912345678。"},
        {"method": "meeting"})
    unit.wait_for_selector("#records tr[data-record-kind=contact]")
    act(unit, "draft_reply", {"text": "经研究，加装电梯补助提高到每台二十万元，2027年起实施。"},
        {"classification": "B"})
    unit.wait_for_selector("#proposal-status:has-text('答复待审批')")
    shot(unit, "host-unit", backend)

    # 3. the unit's leader approves; 4. the unit delivers
    leader = open_page(browser, base, "zjj_leader")
    leader.goto(unit.url)
    leader.click("#actions button[data-action=approve_reply]")
    leader.wait_for_selector("#proposal-status:has-text('答复已审批')")
    unit.reload()
    act(unit, "deliver", selects={"method": "in_person"})
    unit.wait_for_selector("#proposal-status:has-text('已答复待评价')")

    # 5. the centre records the deputy's rating
    centre.goto(unit.url)
    act(centre, "rate", {"comment": "住建局上门听取意见，办理认真。"}, {"rating": "satisfied"})
    centre.wait_for_selector("#proposal-status:has-text('已办结')")

    # 6. the editor publishes the redacted draft
    editor = open_page(browser, base, "editor")
    editor.goto(unit.url)
    editor.click("#actions button[data-action=publish]")
    process = editor.input_value("#form-publish textarea[name=process]")
    assert "当面会商" in process and "王建国" not in process and "13912345678" not in process
    with editor.expect_response(lambda r: "/act/publish" in r.url):
        editor.click("#form-publish button.go")
    editor.wait_for_selector("#public-version:has-text('已公开')")

    # 7. anyone reads it, without signing in, and prints it
    public = open_page(browser, base)
    public.goto(base + "/public/proposals")
    public.click("ul.items a")
    public.wait_for_selector("article.tracking")
    text = public.inner_text("article.tracking")
    for head in ("【建议】", "【领衔代表】", "【背景】", "【办理过程】", "【办理结果】", "【代表感言】"):
        assert head in text
    assert "王建国" not in text and "13912345678" not in text and "办理认真" in text
    assert public.locator(".actions").is_visible()
    public.emulate_media(media="print")
    assert not public.locator(".actions").is_visible() and not public.locator("header.masthead").is_visible()
    shot(public, "public-page-print", backend)
    pdf = public.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
