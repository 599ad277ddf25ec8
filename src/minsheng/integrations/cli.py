"""`minsheng dispatcher` (deliver the outbox) and `minsheng channels …` (integration clients)."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from minsheng.directory.models import ApiKey

dispatcher_app = typer.Typer(help="投递 outbox：回传 12345/110 的 webhook，发送通知", invoke_without_command=True)
channels_app = typer.Typer(help="集成客户端：回调签名密钥、默认回调地址", no_args_is_help=True)


@dispatcher_app.callback()
def dispatcher(
    once: Annotated[bool, typer.Option("--once", help="只投递当前到期的消息，然后退出")] = False,
) -> None:
    """持续投递到期的 outbox 消息（可多进程同时运行）。"""
    import logging

    from minsheng import domains
    from minsheng.db import get_db
    from minsheng.integrations.delivery import Dispatcher

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    domains.load_listeners()
    worker = Dispatcher(get_db())
    if once:
        typer.echo(f"已处理 {worker.run_once()} 条消息")
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    worker.run(stop)


def _key(session: Session, name: str) -> ApiKey:
    from sqlalchemy import select

    key = session.scalars(select(ApiKey).where(ApiKey.name == name)).first()
    if key is None:
        typer.secho(f"没有名为 {name} 的集成密钥", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    return key


@channels_app.command("webhook-secret")
def webhook_secret(
    name: Annotated[str, typer.Option(help="客户端名称（api-key create --name）")],
    rotate: Annotated[bool, typer.Option("--rotate", help="换一个新密钥")] = False,
) -> None:
    """显示（或更换）某客户端回调 webhook 的签名密钥。"""
    from minsheng.clock import utcnow
    from minsheng.db import get_db
    from minsheng.integrations.clients import ensure_client, rotate_secret

    with get_db().session() as session:
        key = _key(session, name)
        client = (rotate_secret if rotate else ensure_client)(session, key, now=utcnow())
        secret = client.webhook_secret
    typer.echo(secret)


@channels_app.command("callback-url")
def callback_url(
    name: Annotated[str, typer.Option(help="客户端名称")],
    url: Annotated[str, typer.Option(help="默认回调地址（请求中未给 callback_url 时使用）；空串表示清除")],
) -> None:
    """设置客户端的默认回调地址。"""
    from minsheng.clock import utcnow
    from minsheng.db import get_db
    from minsheng.integrations.clients import ensure_client

    if url and not url.startswith(("http://", "https://")):
        typer.secho("回调地址须以 http:// 或 https:// 开头", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    with get_db().session() as session:
        client = ensure_client(session, _key(session, name), now=utcnow())
        client.callback_url = url or None
    typer.echo(f"已设置 {name} 的默认回调地址：{url or '（无）'}")
