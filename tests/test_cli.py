"""The `minsheng` command on a fresh database file (SQLite) and on PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from minsheng.cli import app
from minsheng.db import Database, set_db
from minsheng.directory.config import demo_config_dir
from minsheng.directory.models import Unit, User
from minsheng.directory.security import verify_password
from minsheng.settings import get_settings

runner = CliRunner()


@pytest.fixture
def fresh_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("MINSHENG_DATABASE_URL", url)
    monkeypatch.setenv("MINSHENG_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    set_db(None)
    yield url
    set_db(None)
    get_settings.cache_clear()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_upgrade_load_twice_and_create_user(fresh_url: str) -> None:
    run("db", "upgrade")
    out = run("load-config", str(demo_config_dir()))
    assert "已加载 平湖市" in out
    assert "配置无变化" in run("load-config", str(demo_config_dir()))
    out = run("create-user", "wang", "--password", "a-long-password", "--role", "town_dispatcher",
              "--unit", "ZX-DH", "--name", "王调度")
    assert "已创建用户 wang" in out
    db = Database(fresh_url)
    with db.read_session() as s:
        user = s.scalars(select(User).where(User.username == "wang")).one()
        assert user.password_hash.startswith("$argon2")
        assert verify_password(user.password_hash, "a-long-password")
        # departments and sub-centres, and one unit per village
        assert s.scalar(select(func.count()).select_from(Unit)) == 31 + 136
    db.dispose()


def test_errors_are_clear_and_change_nothing(fresh_url: str, tmp_path: Path) -> None:
    run("db", "upgrade")
    run("load-config", str(demo_config_dir()))
    bad = tmp_path / "bad"
    shutil.copytree(demo_config_dir(), bad)
    sla = (bad / "sla.yaml").read_text(encoding="utf-8")
    (bad / "sla.yaml").write_text(sla.replace("warn_at: 0.8", "warn_at: 2", 1), encoding="utf-8")
    result = runner.invoke(app, ["load-config", str(bad)])
    assert result.exit_code == 1
    assert "sla.yaml" in result.output and "warn_at" in result.output
    result = runner.invoke(app, ["create-user", "x", "--password", "a-long-password", "--role", "boss",
                                 "--unit", "SZZX"])
    assert result.exit_code == 1 and "未知角色" in result.output
    result = runner.invoke(app, ["create-user", "x", "--password", "short", "--role", "admin", "--unit", "SZZX"])
    assert result.exit_code == 1 and "至少 8 位" in result.output


def test_unreadable_config_files_are_named_without_a_traceback(fresh_url: str, tmp_path: Path) -> None:
    run("db", "upgrade")
    city = tmp_path / "city"
    shutil.copytree(demo_config_dir(), city)
    teams = city / "teams.yaml"
    text = teams.read_text(encoding="utf-8")
    teams.write_bytes(text.encode("gb18030"))
    result = runner.invoke(app, ["load-config", str(city)])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1, repr(result.exception)
    assert "配置错误 teams.yaml" in result.output and "不是 UTF-8 编码" in result.output
    teams.write_text(text, encoding="utf-8")
    (city / "sla.yaml").unlink()
    (city / "sla.yaml").mkdir()
    result = runner.invoke(app, ["load-config", str(city)])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1, repr(result.exception)
    assert "配置错误 sla.yaml" in result.output and "不是文件" in result.output
    db = Database(fresh_url)
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Unit)) == 0
    db.dispose()


def test_api_key_is_printed_last_and_stored_hashed(fresh_url: str) -> None:
    run("db", "upgrade")
    run("load-config", str(demo_config_dir()))
    out = run("api-key", "create", "--name", "hotline", "--system", "12345")
    key = out.strip().splitlines()[-1]
    assert key.startswith("msk_") and len(key) > 30
    db = Database(fresh_url)
    with db.read_session() as s:
        from minsheng.directory.models import ApiKey

        stored = s.scalars(select(ApiKey)).one()
        assert stored.system == "12345" and key not in stored.key_hash
    db.dispose()


def test_load_config_stores_routing_rules(fresh_url: str, tmp_path: Path) -> None:
    from minsheng.routing.assign import OverrideRule
    from minsheng.routing.cityconfig import rules_from_db

    city = tmp_path / "city"
    shutil.copytree(demo_config_dir(), city)
    (city / "routing.yaml").write_text("rules:\n  - {category: SZ02, unit: ZX-DH}\n", encoding="utf-8")
    run("db", "upgrade")
    run("load-config", str(city))
    assert "配置无变化" in run("load-config", str(city))
    (city / "routing.yaml").write_text("rules:\n  - {category: SZ02, unit: NOPE}\n", encoding="utf-8")
    result = runner.invoke(app, ["load-config", str(city)])
    assert result.exit_code != 0 and "routing.yaml" in result.output
    db = Database(fresh_url)
    with db.read_session() as s:
        assert rules_from_db(s) == [OverrideRule(category="SZ02", unit="ZX-DH")]
    db.dispose()
