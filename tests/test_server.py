"""`minsheng serve --workers 2`: one SO_REUSEPORT socket per worker process, all stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import psutil
import pytest

from minsheng.db import Database
from tests.conftest import PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening_workers(pid: int, port: int) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(pid).children(recursive=True):
        try:
            if any(c.laddr.port == port for c in child.net_connections(kind="tcp") if c.status == "LISTEN"):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def _roles(pid: int) -> dict[str, list[psutil.Process]]:
    roles: dict[str, list[psutil.Process]] = {"router": [], "worker": []}
    for child in psutil.Process(pid).children(recursive=True):
        try:
            cmdline = child.cmdline()
        except psutil.NoSuchProcess:
            continue
        for role in roles:
            if cmdline[1:4] == ["-m", "minsheng.server", role]:
                roles[role].append(child)
    return roles


def _wait_for(check: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.3)


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def _serving(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`minsheng serve --workers 2` on `port`, killed at the end if a test left it running."""
    proc = subprocess.Popen([sys.executable, "-m", "minsheng.cli", "serve", "--port", str(port), "--workers", "2",
                             "--no-access-log", "--log-level", "warning"], env=dict(os.environ))
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _stops_together(proc: subprocess.Popen[bytes], children: list[psutil.Process]) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(40) == 0
    time.sleep(0.5)
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in children)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_two_workers_share_the_port_and_stop_together(db: Database) -> None:
    port = _free_port()
    with _serving(port) as proc:
        _wait_for(lambda: _answers(port), "the server to answer")
        # the first worker may answer while the second is still importing and loading its model
        _wait_for(lambda: len(_listening_workers(proc.pid, port)) == 2, "both workers to listen")
        workers = _listening_workers(proc.pid, port)
        assert len(workers) == 2
        for _ in range(20):
            with httpx.Client() as client:  # a new connection each time
                assert client.get(f"http://127.0.0.1:{port}/healthz").json()["status"] == "ok"
        _stops_together(proc, workers)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_workers_leave_the_whole_model_to_one_router_process(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSHENG_ROUTING_ASYNC", "true")
    monkeypatch.delenv("MINSHENG_ROUTING_IN_PROCESS", raising=False)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with _serving(port) as proc:
        _wait_for(lambda: len(_roles(proc.pid)["worker"]) == 2 and len(_roles(proc.pid)["router"]) == 1,
                  "two workers and a router")
        for worker in _roles(proc.pid)["worker"]:
            assert worker.environ().get("MINSHENG_ROUTING_IN_PROCESS") == "false"
        router = _roles(proc.pid)["router"][0]
        _wait_for(lambda: _answers(port), "the server to answer")
        token = httpx.post(f"{base}/api/v1/auth/token",
                           data={"username": "calltaker", "password": PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        body = {"channel": "12345", "content": "当湖街道南河头小区门口的路灯坏了一个星期，晚上很黑",
                "address": "当湖街道南河头", "citizen_name": "张三", "citizen_phone": "13800000000"}
        created = httpx.post(f"{base}/api/v1/cases", json=body, headers=headers)
        assert created.status_code == 201, created.text

        def refined() -> bool:
            case = httpx.get(f"{base}/api/v1/cases/{created.json()['id']}", headers=headers).json()
            return bool(case["suggestions"]) and case["suggestions"]["stage"] == "full"

        # the workers answered with the fast form; only the router runs the whole model
        _wait_for(refined, "the whole model's suggestion")
        # and it yields the CPU to the workers taking requests (MINSHENG_ROUTER_NICE, default 10)
        worker_nice = _roles(proc.pid)["worker"][0].nice()
        assert router.nice() == min(worker_nice + 10, 19)
        assert os.sched_getscheduler(router.pid) == os.SCHED_IDLE  # MINSHENG_ROUTER_SCHED_IDLE
        assert os.sched_getscheduler(_roles(proc.pid)["worker"][0].pid) == os.SCHED_OTHER
        router.kill()  # the supervisor starts another
        _wait_for(lambda: [p.pid for p in _roles(proc.pid)["router"]] not in ([], [router.pid]), "a new router")
        _stops_together(proc, [*_roles(proc.pid)["router"], *_roles(proc.pid)["worker"]])


def test_port_in_use_fails_plainly() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "minsheng.cli", "serve", "--port", str(port), "--workers", "2"],
                                capture_output=True, timeout=60, check=False)
    assert result.returncode != 0
