"""`minsheng serve --workers 2`: one SO_REUSEPORT socket per worker process, all stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from minsheng.db import Database


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


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_two_workers_share_the_port_and_stop_together(db: Database) -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "minsheng.cli", "serve", "--port", str(port), "--workers", "2",
                             "--no-access-log", "--log-level", "warning"], env=dict(os.environ))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("server did not start")
        # the first worker may answer while the second is still importing and loading its model
        workers = _listening_workers(proc.pid, port)
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
            workers = _listening_workers(proc.pid, port)
        assert len(workers) == 2
        for _ in range(20):
            with httpx.Client() as client:  # a new connection each time
                assert client.get(f"http://127.0.0.1:{port}/healthz").json()["status"] == "ok"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(40) == 0
        time.sleep(0.5)
        assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_port_in_use_fails_plainly() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "minsheng.cli", "serve", "--port", str(port), "--workers", "2"],
                                capture_output=True, timeout=60, check=False)
    assert result.returncode != 0
