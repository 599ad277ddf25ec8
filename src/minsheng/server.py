"""Serving the app with uvicorn: one process, or one process per worker on a shared port.

With several workers, each process binds its own listening socket with SO_REUSEPORT, so the kernel
spreads new connections evenly over them. (With uvicorn's one shared socket the first worker to wake
takes most keep-alive connections: under load one worker did ~90% of the work.) The parent process
restarts a worker that dies and stops them all on Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import time
from typing import Any

APP = "minsheng.app:create_app"


def _config(host: str, port: int, log_level: str, access_log: bool) -> Any:
    import uvicorn

    return uvicorn.Config(APP, factory=True, host=host, port=port, loop="uvloop", http="httptools",
                          log_level=log_level, access_log=access_log)


def _bind(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int, log_level: str, access_log: bool) -> None:
    import uvicorn

    sock = _bind(host, port, reuse_port=True)
    uvicorn.Server(_config(host, port, log_level, access_log)).run(sockets=[sock])


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, *, log_level: str = "info",
          access_log: bool = True) -> None:
    import uvicorn

    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP, factory=True, host=host, port=port, workers=max(1, workers), loop="uvloop",
                    http="httptools", log_level=log_level, access_log=access_log)
        return
    _bind(host, port, reuse_port=False).close()  # fail now, plainly, if someone else holds the port
    ctx = multiprocessing.get_context("spawn")
    args = (host, port, log_level, access_log)
    procs = [ctx.Process(target=_worker, args=args, name=f"minsheng-worker-{i}") for i in range(workers)]
    for p in procs:
        p.start()
    stopping = False

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            for i, p in enumerate(procs):
                if not p.is_alive() and not stopping:
                    procs[i] = ctx.Process(target=_worker, args=args, name=p.name)
                    procs[i].start()
            time.sleep(0.5)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()  # SIGTERM: uvicorn finishes in-flight requests, then exits
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
