"""`minsheng api-key create` for 12345/110 shows the webhook secret; `minsheng channels …`;
`minsheng dispatcher --once` delivers what is due."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from minsheng.cli import app
from minsheng.db import set_db
from minsheng.directory.config import demo_config_dir
from minsheng.settings import get_settings

runner = CliRunner()


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MINSHENG_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("MINSHENG_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    set_db(None)
    run("db", "upgrade")
    run("load-config", str(demo_config_dir()))
    yield
    set_db(None)
    get_settings.cache_clear()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_hotline_key_comes_with_its_webhook_secret_and_the_key_last(fresh) -> None:
    lines = run("api-key", "create", "--name", "hotline", "--system", "12345").strip().splitlines()
    assert lines[-1].startswith("msk_")
    secret = next(line.rsplit("：", 1)[-1] for line in lines if "签名密钥" in line)
    assert secret.startswith("whsec_")
    assert run("channels", "webhook-secret", "--name", "hotline").strip() == secret
    rotated = run("channels", "webhook-secret", "--name", "hotline", "--rotate").strip()
    assert rotated.startswith("whsec_") and rotated != secret
    assert "签名密钥" not in run("api-key", "create", "--name", "app")  # Open311 keys need none


def test_default_callback_url_and_errors(fresh) -> None:
    run("api-key", "create", "--name", "police", "--system", "110")
    assert "http://127.0.0.1:9/cb" in run("channels", "callback-url", "--name", "police", "--url",
                                          "http://127.0.0.1:9/cb")
    assert runner.invoke(app, ["channels", "callback-url", "--name", "police", "--url", "ftp://x"]).exit_code == 1
    assert runner.invoke(app, ["channels", "webhook-secret", "--name", "nobody"]).exit_code == 1


def test_dispatcher_once_delivers_what_is_due(fresh) -> None:
    from minsheng import domains
    from minsheng.cases.schemas import CaseCreate
    from minsheng.cases.service import do_create_case
    from minsheng.db import get_db
    from minsheng.directory.actors import system_actor

    domains.load_listeners()
    from sqlalchemy import func, select

    from minsheng.events.models import OutboxMessage

    with get_db().session() as s:
        do_create_case(s, CaseCreate(channel="web", content="路灯不亮", citizen_phone="13800000000"), system_actor())
    with get_db().read_session() as s:
        pending = s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.delivered_at.is_(None)))
    assert pending and pending >= 1  # the citizen's acknowledgement, and a notice if routing assigned it
    assert f"已处理 {pending} 条消息" in run("dispatcher", "--once")
    assert "已处理 0 条消息" in run("dispatcher", "--once")
