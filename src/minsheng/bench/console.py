"""Console speed at a million cases: server time of the queue, case and dashboard pages, and how fast
a change reaches another process's live stream.

    minsheng bench console [--cases 1000000]      (or: python benchmarks/console.py)

Creates its own PostgreSQL database (minsheng_bench_console; MINSHENG_BENCH_PG_URL overrides the
admin URL), migrates it, loads the Pinghu configuration and one user per role, bulk-loads the cases
in SQL, starts two real uvicorn servers on 127.0.0.1, and measures with a real HTTP client. Server
time is the app's own `Server-Timing` header (the route from dependencies to rendered page);
the client's wall time per request is recorded too. Results: benchmarks/results/console.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import typer

from minsheng.bench.console_data import bulk_load
from minsheng.bench.results import results_dir

ADMIN_URL = os.environ.get("MINSHENG_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "minsheng_bench_console"
PASSWORD = "bench-password"
USERS = {"citydisp": ("city_dispatcher", "SZZX", None), "dh_disp": ("town_dispatcher", "ZX-DH", None),
         "zfj": ("handler", "ZFJ", None), "leader": ("leader", "SZZX", None),
         "supervisor": ("supervisor", "SZZX", None), "calltaker": ("call_taker", "SZZX", None)}
TARGETS_MS = {"queue": 300, "case": 300, "dashboard": 1000}


def db_url() -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME


def prepare(n: int) -> dict[str, Any]:
    from minsheng.clock import utcnow
    from minsheng.db import Database
    from minsheng.directory.config import demo_config_dir, load_city_config
    from minsheng.directory.loader import load_city
    from minsheng.directory.models import User
    from minsheng.directory.security import hash_password
    from minsheng.migrate import upgrade

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    url = db_url()
    upgrade(url)
    db = Database(url)
    now = utcnow()
    with db.session() as s:
        load_city(s, load_city_config(demo_config_dir()), now=now)
        h = hash_password(PASSWORD)
        for name, (role, unit, team) in USERS.items():
            s.add(User(username=name, display_name=name, password_hash=h, role=role, unit_code=unit, team_code=team,
                       created_at=now))
    db.dispose()
    started = time.perf_counter()
    bulk_load(url, n, now)
    seconds = time.perf_counter() - started
    with psycopg.connect(url) as conn:
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]  # type: ignore[index]
        events = conn.execute("SELECT count(*) FROM case_events").fetchone()[0]  # type: ignore[index]
        open_cases = conn.execute("SELECT count(*) FROM cases WHERE status <> 'closed'").fetchone()[0]  # type: ignore[index]
        clocks = conn.execute("SELECT count(*), count(*) FILTER (WHERE stopped_at IS NULL) FROM sla_clocks").fetchone()
        assert clocks is not None
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]  # type: ignore[index]
    return {"cases": cases, "events": events, "open_cases": open_cases, "sla_clocks": clocks[0],
            "running_clocks": clocks[1], "load_seconds": round(seconds, 1),
            "database_size": size}


class Server:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "MINSHENG_DATABASE_URL": db_url(), "MINSHENG_SECRET_KEY": "bench-secret-key-0123456789",
               "MINSHENG_VAR_DIR": "/tmp/minsheng-bench-var", "MINSHENG_MEDIA_DIR": "/tmp/minsheng-bench-media"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "minsheng.app:create_app", "--factory", "--host", "127.0.0.1", "--port",
             str(port), "--log-level", "warning", "--timeout-graceful-shutdown", "2"], env=env)
        for _ in range(150):
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


def session(base: str, username: str) -> httpx.Client:
    from minsheng.web.session_views import login_token_in

    client = httpx.Client(base_url=base, timeout=30, follow_redirects=True)
    token = login_token_in(client.get("/login").text)
    resp = client.post("/login", data={"username": username, "password": PASSWORD, "login_token": token})
    assert resp.status_code == 200, resp.status_code  # followed the redirect to the landing page
    return client


def measure(client: httpx.Client, paths: list[str], warmup: int = 5) -> dict[str, Any]:
    for path in paths[:warmup]:
        client.get(path)
    server, wall = [], []
    for path in paths:
        start = time.perf_counter()
        resp = client.get(path)
        wall.append((time.perf_counter() - start) * 1000)
        assert resp.status_code == 200, (path, resp.status_code)
        server.append(float(resp.headers["server-timing"].split("dur=")[1]))
    return {"requests": len(paths), "server_ms": summary(server), "wall_ms": summary(wall)}


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": round(statistics.median(ordered), 1), "p95": round(pick(0.95), 1), "max": round(ordered[-1], 1)}


def stream_latency(writer: Server, watcher: Server, samples: int) -> dict[str, Any]:
    """Create cases through one process; time until the other process's stream delivers them."""
    cookie = session(watcher.url, "citydisp").cookies["minsheng_session"]
    seen: dict[str, float] = {}
    opened = threading.Event()

    def read() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the server stops at the end
            _read()

    def _read() -> None:
        with httpx.Client(cookies={"minsheng_session": cookie}, timeout=httpx.Timeout(5, read=None)) as c, \
                c.stream("GET", watcher.url + "/console/stream?view=queue") as resp:
            for line in resp.iter_lines():
                if line.startswith("event: hello"):
                    opened.set()
                elif line.startswith("data: ") and '"number"' in line:
                    seen.setdefault(json.loads(line[6:])["number"], time.perf_counter())

    threading.Thread(target=read, daemon=True).start()
    opened.wait(10)
    token = httpx.post(writer.url + "/api/v1/auth/token", data={"username": "calltaker", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    latencies = []
    with httpx.Client(base_url=writer.url, headers=headers, timeout=30) as api:
        for i in range(samples):
            sent = time.perf_counter()
            number = api.post("/api/v1/cases", json={"channel": "12345", "content": f"延迟测试 {i}"}).json()["number"]
            deadline = time.perf_counter() + 5
            while number not in seen and time.perf_counter() < deadline:
                time.sleep(0.002)
            if number in seen:
                latencies.append((seen[number] - sent) * 1000)
            time.sleep(0.05)
    return {"samples": samples, "delivered": len(latencies),
            "create_to_other_process_stream_ms": summary(latencies) if latencies else None}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--skip-load", action="store_true", help="reuse the database of an earlier run")
    parser.add_argument("--out", type=Path, default=results_dir() / "console.json")
    args = parser.parse_args(argv)
    print(f"loading {args.cases:,} cases into {DB_NAME} …", flush=True)
    data = {} if args.skip_load else prepare(args.cases)
    with psycopg.connect(db_url()) as conn:
        max_id = conn.execute("SELECT max(id) FROM cases").fetchone()[0]  # type: ignore[index]
        data.setdefault("cases", conn.execute("SELECT count(*) FROM cases").fetchone()[0])  # type: ignore[index]
    print(json.dumps(data, ensure_ascii=False), flush=True)
    a, b = Server(18771), Server(18772)
    try:
        rng = random.Random(7)
        pages: dict[str, Any] = {}
        n = args.requests
        for name, user, paths in (
            ("queue_city", "citydisp", ["/queue"] * n),
            ("queue_town", "dh_disp", ["/queue"] * n),
            ("queue_department", "zfj", ["/queue"] * n),
            ("case_page", "citydisp", [f"/cases/{rng.randint(1, max_id)}" for _ in range(n)]),
            ("escalations_city", "supervisor", ["/escalations"] * max(20, n // 10)),
            ("dashboard_city", "leader", ["/dashboard"] * max(20, n // 4)),
            ("dashboard_town", "dh_disp", ["/dashboard"] * max(20, n // 4)),
        ):
            client = session(a.url, user)
            try:
                pages[name] = measure(client, paths)
            finally:
                client.close()
            print(name, json.dumps(pages[name]), flush=True)
        live = stream_latency(a, b, 50)
        print("stream", json.dumps(live), flush=True)
    finally:
        a.stop()
        b.stop()
    checks = {
        "queue_p95_server_ms_max": max(pages[k]["server_ms"]["p95"] for k in pages if k.startswith("queue")),
        "case_p95_server_ms": pages["case_page"]["server_ms"]["p95"],
        "dashboard_p95_server_ms_max": max(pages[k]["server_ms"]["p95"] for k in pages if k.startswith("dashboard")),
    }
    result = {
        "benchmark": "console", "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "database": data, "pages": pages, "live_stream": live, "targets_ms": TARGETS_MS, "checks": checks,
        "meets_targets": (checks["queue_p95_server_ms_max"] <= TARGETS_MS["queue"]
                          and checks["case_p95_server_ms"] <= TARGETS_MS["case"]
                          and checks["dashboard_p95_server_ms_max"] <= TARGETS_MS["dashboard"]),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(checks), "meets targets:", result["meets_targets"])


def register(bench_app: typer.Typer) -> None:
    @bench_app.command("console")
    def console(
        cases: int = typer.Option(1_000_000, help="载入的案件数"),
        requests: int = typer.Option(200, help="每个页面的计时请求数"),
        skip_load: bool = typer.Option(False, "--skip-load", help="沿用上次载入的数据库"),
    ) -> None:
        """控制台速度：百万案件下队列、案件、看板页面的服务端耗时 p50/p95，及跨进程实时推送延迟。"""
        main(["--cases", str(cases), "--requests", str(requests), *(["--skip-load"] if skip_load else [])])


if __name__ == "__main__":
    main()
