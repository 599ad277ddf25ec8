"""`minsheng proposals …`: fire due proposal clocks; import a spreadsheet from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

proposals_app = typer.Typer(help="建议提案办理追踪", no_args_is_help=True)


@proposals_app.command("check-clocks")
def check_clocks(
    every: Annotated[float, typer.Option(help="大于 0 时常驻运行，每隔这么多秒检查一次（Ctrl-C 或 SIGTERM 停止）")] = 0,
) -> None:
    """触发已到期的联系、答复时限预警和超时督办（可由 cron 或多个进程同时运行，每条只触发一次）。"""
    import signal
    import threading

    from minsheng.cli import _db
    from minsheng.proposals.clockwork import do_fire_due_clocks

    db = _db()
    stop = threading.Event()
    if every > 0:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    while True:
        with db.session() as session:
            counts = do_fire_due_clocks(session)
        typer.echo(f"预警 {counts['warned']} 条，超时督办 {counts['breached']} 条")
        if every <= 0 or stop.wait(every):
            return


@proposals_app.command("import")
def import_file(
    path: Annotated[Path, typer.Argument(help="xlsx 或 csv 文件", exists=True, dir_okay=False)],
    username: Annotated[str, typer.Option("--as", help="以哪个市中心用户的名义导入")],
) -> None:
    """从表格导入建议提案：任何一行有错则一条不导入，并逐行列出错误。"""
    from sqlalchemy import select

    from minsheng.cli import _db
    from minsheng.directory.models import User
    from minsheng.directory.security import actor_for
    from minsheng.errors import DomainError
    from minsheng.proposals.importer import ImportRejected, do_import

    try:
        with _db().session() as session:
            user = session.scalars(select(User).where(User.username == username)).first()
            if user is None:
                raise typer.BadParameter(f"没有用户 {username}", param_hint="--as")
            result = do_import(session, path.name, path.read_bytes(), actor_for(session, user))
    except ImportRejected as exc:
        typer.secho(exc.message, fg=typer.colors.RED, err=True)
        for error in exc.extra.get("errors", []):
            typer.echo(f"第 {error['row']} 行 · {error['column']}：{error['problem']}", err=True)
        raise typer.Exit(1) from None
    except DomainError as exc:
        typer.secho(exc.message, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps({"imported": result.imported, "ids": result.ids}, ensure_ascii=False))
