"""Serving the app with uvicorn: one process, or one process per worker on a shared port.

With several workers, each worker process binds its own listening socket with SO_REUSEPORT, so the
kernel spreads new connections evenly over them. (With uvicorn's one shared socket the first worker
to wake takes most keep-alive connections: under load one worker did ~90% of the work.) A small
supervisor restarts a worker that dies and stops them all on Ctrl-C / SIGTERM.

The supervisor also runs the background router (routing/refiner.py) as one process of its own,
beside the workers, unless MINSHENG_ROUTING_IN_PROCESS says where it should run: the workers then
run only the model's fast form and never load the sentence encoder (a few hundred MB each), and the
whole model's CPU no longer competes with requests for the workers' interpreter lock.

`minsheng serve` replaces itself with `python -m minsheng.server …` so that neither the supervisor
nor the workers carry what the CLI imports for its other commands (the routing tools load
scikit-learn: ~80 MB per process).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

APP = "minsheng.app:create_app"


# Consoles hold server-sent-event streams open: shutdown does not wait for them (browsers reconnect).
GRACE_SECONDS = 5


def _bind(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def run_single(host: str, port: int, *, log_level: str = "info", access_log: bool = True,
               reuse_port: bool = False) -> None:
    """One uvicorn process serving the app (blocks until stopped)."""
    import uvicorn

    config = uvicorn.Config(APP, factory=True, host=host, port=port, loop="uvloop", http="httptools",
                            log_level=log_level, access_log=access_log, timeout_graceful_shutdown=GRACE_SECONDS)
    if reuse_port:
        uvicorn.Server(config).run(sockets=[_bind(host, port, reuse_port=True)])
    else:
        uvicorn.Server(config).run()


def _spawn(host: str, port: int, log_level: str, access_log: bool,
           env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "minsheng.server", "worker", host, str(port), log_level,
                             "1" if access_log else "0"], env=env)


def _spawn_router() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "minsheng.server", "router"])


def router_process_wanted() -> bool:
    """Whether the supervisor runs the background router in a process of its own: routing runs
    in the background and nobody set MINSHENG_ROUTING_IN_PROCESS."""
    from minsheng.settings import get_settings

    return get_settings().routes_in_background and "MINSHENG_ROUTING_IN_PROCESS" not in os.environ


def supervise(host: str, port: int, workers: int, *, log_level: str = "info", access_log: bool = True) -> int:
    """Run `workers` worker processes on host:port until SIGINT/SIGTERM; the exit status."""
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        run_single(host, port, log_level=log_level, access_log=access_log)
        return 0
    try:
        _bind(host, port, reuse_port=False).close()  # fail now, plainly, if someone else holds the port
    except OSError as exc:
        print(f"无法监听 {host}:{port}：{exc}", file=sys.stderr)
        return 1
    env = None
    router: subprocess.Popen[bytes] | None = None
    if router_process_wanted():
        env = {**os.environ, "MINSHENG_ROUTING_IN_PROCESS": "false"}
        router = _spawn_router()
    procs = [_spawn(host, port, log_level, access_log, env) for _ in range(workers)]
    stopping = False

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            for i, p in enumerate(procs):
                if p.poll() is not None and not stopping:
                    procs[i] = _spawn(host, port, log_level, access_log, env)
            if router is not None and router.poll() is not None and not stopping:
                router = _spawn_router()
            time.sleep(0.5)
    finally:
        if router is not None:
            procs.append(router)
        for p in procs:
            if p.poll() is None:
                p.terminate()  # SIGTERM: uvicorn finishes in-flight requests, then exits
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    return 0


def exec_serve(host: str, port: int, workers: int, *, log_level: str = "info", access_log: bool = True) -> None:
    """Replace this process with a fresh, lean `python -m minsheng.server serve …`."""
    os.execv(sys.executable, [sys.executable, "-m", "minsheng.server", "serve", host, str(port), str(workers),
                              log_level, "1" if access_log else "0"])


def main(argv: list[str]) -> int:
    if len(argv) == 5 and argv[0] == "worker":
        _, host, port, log_level, access_log = argv
        run_single(host, int(port), log_level=log_level, access_log=access_log == "1", reuse_port=True)
        return 0
    if argv == ["router"]:
        import logging

        from minsheng.routing.refiner import serve_forever

        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return serve_forever()
    if len(argv) == 6 and argv[0] == "serve":
        _, host, port, workers, log_level, access_log = argv
        return supervise(host, int(port), int(workers), log_level=log_level, access_log=access_log == "1")
    print("usage: python -m minsheng.server serve HOST PORT WORKERS LOG_LEVEL ACCESS_LOG(0|1)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
