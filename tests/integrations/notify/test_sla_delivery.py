"""End to end with the SLA worker: its warning and breach rows reach the duty staff and the
supervisor as Chinese texts through the SMS gateway backend (a receiver on 127.0.0.1)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from minsheng import domains
from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.cases.service import do_action, do_create_case
from minsheng.directory.models import User
from minsheng.integrations.delivery import Dispatcher
from minsheng.integrations.settings import ChannelSettings
from minsheng.settings import get_settings
from minsheng.sla.worker import Worker


@pytest.fixture(autouse=True)
def _no_background_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSHENG_RUN_WORKER_IN_PROCESS", "false")
    get_settings.cache_clear()
    domains.load_listeners()


def test_sign_for_warning_and_breach_are_texted_to_duty_staff_and_supervisor(db, actors, fake_clock,
                                                                              receiver) -> None:
    with db.session() as s:
        s.execute(update(User).where(User.username == "dh_disp").values(phone="13700000001"))
        s.execute(update(User).where(User.username == "supervisor").values(phone="13700000009"))
        case = do_create_case(s, CaseCreate(channel="12345", content="广场舞音响太吵，晚上十点还没停", category="JC02"),
                              actors["calltaker"])
        do_action(s, case.id, "assign", ActionBody(unit="ZX-DH"), actors["citydisp"])
    number = case.number
    fake_clock.advance(60)  # past the one-minute sign-for promise
    assert Worker(db, now=fake_clock.now, name="t").run_until_idle(fake_clock.now()) >= 2
    settings = ChannelSettings(notify_backend="sms", sms_gateway_url=receiver.url)
    Dispatcher(db, settings=settings).run_once()
    texts = [(r.json()["phone"], r.json()["text"]) for r in receiver.wait_for(5)]  # + the assignment text
    warnings = sorted(phone for phone, text in texts if "预警" in text and number in text and "「签收」" in text)
    breaches = sorted(phone for phone, text in texts if "超时" in text and number in text and "「签收」" in text)
    assert warnings == ["13700000001", "13700000009"]
    assert breaches == ["13700000001", "13700000009"]
