"""`minsheng worker`: run the SLA timer worker (any number of them on PostgreSQL)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Annotated

import typer

worker_app = typer.Typer(help="SLA 计时器：到点预警、超时提级", invoke_without_command=True)


@worker_app.callback()
def worker(
    batch_size: Annotated[int, typer.Option(help="每个事务最多触发的计时器数")] = 1000,
    max_sleep: Annotated[float, typer.Option(help="无通知时最长休眠秒数（兜底）")] = 60.0,
    once: Annotated[bool, typer.Option("--once", help="触发当前到期的计时器后退出")] = False,
    pause_before_commit: Annotated[float, typer.Option(hidden=True)] = 0.0,
) -> None:
    """运行 SLA 计时器（PostgreSQL 可多进程并行；SQLite 下 serve/demo 已内置）。"""
    from minsheng import domains
    from minsheng.db import get_db
    from minsheng.sla.worker import Worker, nudge

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    domains.load_listeners()
    db = get_db()

    def claimed(n: int) -> None:
        print(f"claimed {n}", flush=True)

    w = Worker(db, batch_size=batch_size, max_sleep=max_sleep, pause_before_commit=pause_before_commit,
               on_claim=claimed if pause_before_commit else None)
    if once:
        typer.echo(f"已触发 {w.run_until_idle()} 个计时器")
        return
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        stop.set()
        nudge(db)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    typer.echo(f"SLA 计时器已启动（{w.name}）", err=True)
    sys.stdout.flush()
    w.run(stop)
    typer.echo(f"SLA 计时器已停止，共触发 {w.fired_total} 个", err=True)
