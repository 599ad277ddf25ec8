"""The `minsheng` command: serve, demo, db, load-config, load-divisions, create-user, api-key, …"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer

from minsheng.clock import utcnow
from minsheng.db import Database
from minsheng.settings import get_settings

app = typer.Typer(help="minsheng 民声一键办", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="数据库结构迁移", no_args_is_help=True)
api_key_app = typer.Typer(help="集成客户端密钥（12345、110、Open311）", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(api_key_app, name="api-key")

# Sub-command groups contributed by domains: (module, attribute, name).
SUBAPPS = [
    ("minsheng.routing.cli", "router_app", "router"),

    ("minsheng.bench", "bench_app", "bench"),

    ("minsheng.sla.cli", "worker_app", "worker"),

    # other domains

    ("minsheng.proposals.cli", "proposals_app", "proposals"),

    ("minsheng.integrations.cli", "dispatcher_app", "dispatcher"),
    ("minsheng.integrations.cli", "channels_app", "channels"),

]
for _module, _attr, _name in SUBAPPS:
    try:
        app.add_typer(getattr(importlib.import_module(_module), _attr), name=_name)
    except ModuleNotFoundError as exc:  # the domain (or its package) has not landed yet
        if not (exc.name and (_module == exc.name or _module.startswith(exc.name + "."))):
            raise


def _db() -> Database:
    from minsheng import domains
    from minsheng.db import get_db

    domains.load_listeners()
    return get_db()


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade(target: str = "heads") -> None:
    """把数据库结构升级到最新（Alembic）。"""
    from minsheng.migrate import upgrade

    url = get_settings().database_url
    upgrade(url, target)
    typer.echo(f"数据库已升级到 {target}")


@app.command("load-config")
def load_config(
    directory: Annotated[Path, typer.Argument(help="城市配置目录（divisions/departments/categories/sla/teams.yaml）")],
) -> None:
    """加载一个城市的配置；重复加载不产生变化；格式错误时指出文件和字段，数据库保持原样。"""
    from minsheng.directory.config import ConfigError, load_city_config
    from minsheng.directory.loader import load_city
    from minsheng.routing.assign import Assigner, load_rules
    from minsheng.routing.cityconfig import store_rules

    try:
        cfg = load_city_config(directory)
        rules = load_rules(directory)  # routing.yaml (optional): override rules for the handling unit
        Assigner(cfg, rules)  # every rule names a known unit
    except ConfigError as exc:
        _fail(f"配置错误 {exc.file} → {exc.field}：{exc.problem}")
        return
    with _db().session() as session:
        report = load_city(session, cfg, now=utcnow())
        if store_rules(session, rules, utcnow()):
            report.bump("updated", "city_config")
    if report.changed:
        typer.echo(f"已加载 {cfg.divisions.city.name}：新增 {report.added}，更新 {report.updated}，"
                   f"停用 {report.deactivated}")
    else:
        typer.echo(f"{cfg.divisions.city.name} 配置无变化")


@app.command("load-divisions")
def load_divisions(
    directory: Annotated[Path | None, typer.Argument(help="全国区划 CSV 目录；默认用随包数据")] = None,
) -> None:
    """导入全国行政区划代码（省、市、县、乡镇街道，及浙江村社）。"""
    from minsheng.directory.national import import_national

    directory = directory or Path(__file__).resolve().parent / "directory" / "data" / "divisions"
    with _db().session() as session:
        result = import_national(session, directory)
    typer.echo(f"区划导入完成：新增 {result['added']} 条，已有 {result['already_known']} 条")


@app.command("city-skeleton")
def city_skeleton(code: str, out: Annotated[Path, typer.Option(help="写出 divisions.yaml 的目录")]) -> None:
    """按县级区划代码生成新城市的 divisions.yaml 草稿（需先 load-divisions）。"""
    from minsheng.directory.national import city_skeleton as skeleton
    from minsheng.errors import DomainError

    try:
        with _db().read_session() as session:
            text = skeleton(session, code)
    except DomainError as exc:
        _fail(exc.message)
    out.mkdir(parents=True, exist_ok=True)
    (out / "divisions.yaml").write_text(text, encoding="utf-8")
    typer.echo(f"已写出 {out / 'divisions.yaml'}")


@app.command("create-user")
def create_user(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    role: Annotated[str, typer.Option()],
    unit: Annotated[str, typer.Option(help="所属单位代码")],
    name: Annotated[str, typer.Option(help="显示名")] = "",
    team: Annotated[str | None, typer.Option(help="队员所属队伍代码")] = None,
) -> None:
    """创建用户（密码以 argon2 哈希保存）。"""
    from minsheng.directory.security import do_create_user
    from minsheng.errors import DomainError

    try:
        with _db().session() as session:
            user = do_create_user(session, username, password, role, unit, now=utcnow(), display_name=name,
                                  team_code=team)
            typer.echo(f"已创建用户 {user.username}（{user.role}，{user.unit_code}）")
    except DomainError as exc:
        _fail(exc.message)


@api_key_app.command("create")
def api_key_create(
    name: Annotated[str, typer.Option(help="客户端名称")],
    system: Annotated[str, typer.Option(help="12345、110 或 open311")] = "open311",
) -> None:
    """为集成客户端创建密钥；密钥只显示这一次（最后一行）。"""
    from minsheng.directory.security import do_create_api_key
    from minsheng.errors import DomainError

    try:
        with _db().session() as session:
            key, plain = do_create_api_key(session, name, system, now=utcnow())
            if system in ("12345", "110"):
                from minsheng.integrations.clients import ensure_client

                secret = ensure_client(session, key, now=utcnow()).webhook_secret
                typer.echo(f"回传 webhook 的签名密钥（X-Minsheng-Signature）：{secret}")
            typer.echo(f"已创建密钥 {key.name}（{key.system}），请妥善保存：")
    except DomainError as exc:
        _fail(exc.message)
    typer.echo(plain)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          access_log: Annotated[bool, typer.Option("--access-log/--no-access-log")] = True,
          log_level: str = "info") -> None:
    """启动 API 和控制台（多进程时各进程以 SO_REUSEPORT 共用端口）。"""
    from minsheng.server import exec_serve

    exec_serve(host, port, workers, log_level=log_level, access_log=access_log)


@app.command()
def demo(host: str = "127.0.0.1", port: int = 8000, cases: int = 3000,
         feed_seconds: float = 5.0, serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True) -> None:
    """平湖演示：加载配置、创建各角色演示用户、生成历史案件、持续产生新诉求并启动服务。"""
    from minsheng.demo.run import run_demo

    run_demo(host=host, port=port, cases=cases, feed_seconds=feed_seconds, serve=serve_after)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
