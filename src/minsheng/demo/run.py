"""`minsheng demo`: the Pinghu demo, ready to click through, on http://127.0.0.1:8000.

Migrates the database (SQLite at ./var/minsheng.db unless MINSHENG_DATABASE_URL says otherwise),
loads the packaged Pinghu configuration, makes one demo user per role (passwords kept in
var/demo-users.txt), fills a few thousand past cases on first run, then serves while a new request
arrives every few seconds.
"""

from __future__ import annotations

import time

import typer
from sqlalchemy import func, select

from minsheng.clock import utcnow


def _say(text: str) -> None:
    typer.echo(text)


def run_demo(host: str = "127.0.0.1", port: int = 8000, cases: int = 3000, feed_seconds: float = 5.0,
             serve: bool = True) -> None:
    from minsheng import domains
    from minsheng.cases.models import Case
    from minsheng.db import get_db
    from minsheng.demo.history import generate_history
    from minsheng.demo.users import ensure_demo_users, users_table
    from minsheng.directory.config import demo_config_dir, load_city_config
    from minsheng.directory.loader import load_city
    from minsheng.migrate import upgrade
    from minsheng.settings import get_settings

    started = time.perf_counter()
    settings = get_settings()
    _say(f"民声一键办 演示 —— 数据库 {settings.database_url}")
    upgrade(settings.database_url)
    domains.load_listeners()
    db = get_db()
    cfg = load_city_config(demo_config_dir())
    with db.session() as s:
        loaded = load_city(s, cfg, now=utcnow())
    _say(f"已加载 {cfg.divisions.city.name} 配置" + ("" if loaded.changed else "（无变化）"))
    with db.session() as s:
        users = ensure_demo_users(s, settings.var_dir / "demo-users.txt", now=utcnow())
    with db.read_session() as s:
        existing = s.scalar(select(func.count()).select_from(Case)) or 0
    if existing == 0 and cases > 0:
        _say(f"生成 {cases} 件历史案件（近 60 天，各渠道、类别、镇街道）…")
        report = generate_history(db, cfg, cases, now=utcnow(),
                                  progress=lambda n: _say(f"  已生成 {n} 件"))
        _say(f"历史案件已生成：{report.cases} 件，{report.steps} 个流程步骤，用时 {report.seconds:.1f} 秒"
             + (f"（{report.failed} 个步骤未执行）" if report.failed else ""))
    else:
        _say(f"数据库已有 {existing} 件案件，跳过历史数据生成")
    from minsheng.proposals.demo import seed_demo  # deputies' suggestions and CPPCC proposals

    seed_demo(db, utcnow(), log=_say)
    base = f"http://{host}:{port}"
    _say("")
    _say("演示用户（密码保存在 " + str(settings.var_dir / "demo-users.txt") + "）：")
    _say(users_table(users, base))
    _say("")
    _say(f"准备用时 {time.perf_counter() - started:.1f} 秒。打开 {base}/login 登录；接口文档 {base}/docs")
    if not serve:
        return
    from minsheng.demo.feeder import Feeder
    from minsheng.server import run_single

    feeder = Feeder(db, cfg, feed_seconds).start() if feed_seconds > 0 else None
    if feeder:
        _say(f"每约 {feed_seconds:g} 秒自动受理一件新诉求；按 Ctrl-C 停止。")
    try:
        run_single(host, port)
    finally:
        if feeder:
            feeder.stop()
        _say("演示已停止。")
