"""`minsheng bench intake`: cases created per second through the HTTP API on PostgreSQL.

One run: a scratch database (migrated, Pinghu loaded, one call-taker), a real uvicorn server in a
subprocess, N keep-alive clients posting realistic requests to POST /api/v1/cases; then, against the
same database, raw psycopg inserts of the same rows (case + its timeline event, one transaction per
case, the same N connections) as the yardstick. Writes benchmarks/results/intake.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import psutil
import psycopg
import typer

from minsheng.bench.loadgen import build_post, percentile, run_load
from minsheng.bench.rawinsert import raw_insert_rate
from minsheng.bench.results import machine_facts, write_result
from minsheng.bench.scratch import scratch_database, server_version

TARGETS = {"cases_per_s": 1000.0, "latency_ms_p99": 50.0, "ratio": 0.30, "server_rss_mb": 300.0}
USERNAME = "bench_calltaker"


@dataclass(frozen=True)
class IntakeParams:
    requests: int = 20000
    warmup: int = 2000
    concurrency: int = 16
    workers: int = 2
    seed: int = 20261125
    max_seconds: float = 60.0  # the timed run stops early after this long (a slow build still finishes)
    routing: bool = True  # routing (and automatic assignment) of new cases, as shipped
    # as shipped (MINSHENG_ROUTING_ASYNC=true): the intake runs the model's fast form and a background
    # router refines and auto-assigns after commit; False: the whole model on the request's path
    async_routing: bool = True
    rate: float | None = None  # paced to this many requests per second (default: as fast as answered)


def payloads(count: int, seed: int) -> list[dict[str, Any]]:
    """Realistic intake bodies as the hotline, apps and Open311 would send them."""
    from minsheng.demo.texts import DraftWriter
    from minsheng.directory.config import demo_config_dir, load_city_config

    writer = DraftWriter(load_city_config(demo_config_dir()), random.Random(seed))
    bodies = []
    for _ in range(count):
        d = writer.draft()
        body: dict[str, Any] = {"channel": d.channel, "content": d.content, "address": d.address,
                                "citizen_name": d.citizen_name, "citizen_phone": d.citizen_phone,
                                "town": d.town, "village": d.village}
        if d.channel in ("12345", "walk_in", "110"):  # the call-taker classifies on the phone
            body["category"] = d.category
        bodies.append(body)
    return bodies


def _prepare(url: str, password: str) -> None:
    import minsheng.models  # noqa: F401
    from minsheng.db import Database
    from minsheng.directory.config import demo_config_dir, load_city_config
    from minsheng.directory.loader import load_city
    from minsheng.directory.security import do_create_user
    from minsheng.migrate import upgrade

    upgrade(url)
    db = Database(url)
    now = datetime.now(UTC)
    with db.session() as s:
        load_city(s, load_city_config(demo_config_dir()), now=now)
        do_create_user(s, USERNAME, password, "call_taker", "SZZX", now=now, display_name="压测话务员")
    db.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


ROLES = ("supervisor", "web_workers", "router")


class Server:
    """uvicorn serving minsheng in a subprocess; RSS summed over it and its worker processes."""

    def __init__(self, url: str, workers: int, var_dir: str, routing: bool = True,
                 async_routing: bool = False) -> None:
        self.port = _free_port()
        env = {**os.environ, "MINSHENG_DATABASE_URL": url, "MINSHENG_SECRET_KEY": secrets.token_urlsafe(32),
               "MINSHENG_VAR_DIR": var_dir, "MINSHENG_MEDIA_DIR": f"{var_dir}/media",
               "MINSHENG_ROUTING_ON_INTAKE": "true" if routing else "false",
               "MINSHENG_ROUTING_ASYNC": "true" if async_routing else "false"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "minsheng.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers), "--no-access-log", "--log-level", "warning"], env=env)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not answer /healthz within 60 s")

    def processes(self) -> list[psutil.Process]:
        """The supervisor and every process under it (none once it has exited)."""
        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    @staticmethod
    def role(process: psutil.Process) -> str:
        """supervisor, web_workers or router, from the process's command line (one worker: the
        serving process is the worker itself, with no supervisor)."""
        args = process.cmdline()
        cmdline = " ".join(args)
        single = "minsheng.server serve" in cmdline and args[args.index("serve") + 3:][:1] == ["1"]
        return ("router" if "minsheng.server router" in cmdline
                else "web_workers" if "minsheng.server worker" in cmdline or single else "supervisor")

    def memory(self) -> tuple[dict[str, float], float]:
        """RSS in MB of the supervisor, the web workers and the background router process, and
        the proportional set size of them all (a page they share, a library's code, counted once
        where summed RSS counts it in each process), read together."""
        roles: dict[str, float] = dict.fromkeys(ROLES, 0.0)
        pss = 0.0
        for p in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                role = self.role(p)
                info = p.memory_full_info()
                roles[role] += info.rss / 2**20
                pss += getattr(info, "pss", info.rss) / 2**20
        return roles, pss

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class RssSampler(threading.Thread):
    """Peak RSS of the whole server (`peak`) and of each of its roles (`peak_by_role`); peak PSS
    of the whole server (`peak_pss`)."""

    def __init__(self, server: Server, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.server, self.every, self.peak, self.peak_pss = server, every, 0.0, 0.0
        self.peak_by_role: dict[str, float] = {}
        self._stop_event = threading.Event()

    def _sample(self) -> None:
        roles, pss = self.server.memory()
        self.peak = max(self.peak, sum(roles.values()))
        for role, mb in roles.items():
            self.peak_by_role[role] = max(self.peak_by_role.get(role, 0.0), mb)
        self.peak_pss = max(self.peak_pss, pss)

    def run(self) -> None:
        while not self._stop_event.is_set():
            self._sample()
            self._stop_event.wait(self.every)

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        self._sample()
        return self.peak


class CpuAccount:
    """CPU used during the measured run: ours (server, our database's backends, this process) and
    everything else on the machine, which shares the same cores and skews the figures."""

    def __init__(self, server: Server, database: str) -> None:
        self.server, self.database = server, database

    def _ours(self) -> dict[str, float]:
        server = self.server.processes()
        groups: dict[str, list[psutil.Process]] = {"client": [psutil.Process()], "server": server,
                                                   "postgresql": [], **{f"server_{role}": [] for role in ROLES}}
        for p in server:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                groups[f"server_{self.server.role(p)}"].append(p)
        for p in psutil.process_iter(["name", "cmdline"]):
            if (p.info["name"] or "").startswith("postgres") and self.database in " ".join(p.info["cmdline"] or []):
                groups["postgresql"].append(p)
        totals = {}
        for name, procs in groups.items():
            totals[name] = 0.0
            for p in procs:
                with contextlib.suppress(psutil.NoSuchProcess):
                    t = p.cpu_times()
                    totals[name] += t.user + t.system
        return totals

    @staticmethod
    def _busy() -> float:
        t = psutil.cpu_times()
        return float(sum(t) - t.idle - getattr(t, "iowait", 0.0))

    def start(self) -> None:
        self.started, self.busy0, self.ours0 = time.perf_counter(), self._busy(), self._ours()

    def stop(self, requests: int) -> dict[str, float]:
        seconds = time.perf_counter() - self.started
        ours_now = self._ours()
        used = {k: ours_now[k] - self.ours0.get(k, 0.0) for k in ours_now}
        busy = self._busy() - self.busy0
        ours = sum(v for k, v in used.items() if not k.startswith("server_"))  # by role: parts of "server"
        return {"ours_cores": round(ours / seconds, 2), "others_cores": round(max(0.0, busy - ours) / seconds, 2),
                "load_average_1m": round(os.getloadavg()[0], 2),
                **{f"{k}_cpu_ms_per_case": round(1000 * v / max(1, requests), 3) for k, v in used.items()}}


def _max_case_id(url: str) -> int:
    with psycopg.connect(_libpq(url)) as conn:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM cases").fetchone()[0])  # type: ignore[index]


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def drain_routing_queue(url: str, max_wait: float = 900.0) -> float:
    """Wait until the background router has emptied its queue; the seconds it took."""
    started = time.monotonic()
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        while time.monotonic() - started < max_wait:
            left = conn.execute("SELECT count(*) FROM routing_queue").fetchone()
            if left is not None and left[0] == 0:
                break
            time.sleep(0.2)
    return time.monotonic() - started


def background_routing(url: str, first_id: int, max_wait: float = 900.0) -> dict[str, Any]:
    """Wait for the background router to empty its queue; how long each timed case waited to be
    routed (routed_at − created_at) and how fast the router went: over the whole run, and alone
    (the cases it routed after the load ended, when it had the machine to itself)."""
    started, load_ended = time.monotonic(), time.time()
    drain_routing_queue(url, max_wait)
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT extract(epoch FROM (suggestions->>'routed_at')::timestamptz - created_at), "
            "extract(epoch FROM (suggestions->>'routed_at')::timestamptz), status = 'assigned' "
            "FROM cases WHERE id >= %s AND suggestions ? 'routed_at'", [first_id]).fetchall()
        total = conn.execute("SELECT count(*) FROM cases WHERE id >= %s", [first_id]).fetchone()
    lags = [float(r[0]) for r in rows]
    stamps = sorted(float(r[1]) for r in rows)
    span = (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    after = [t for t in stamps if t >= load_ended]
    alone = (after[-1] - load_ended) if len(after) > 1 else 0.0
    return {
        "cases": total[0] if total else 0, "routed": len(rows), "auto_assigned": sum(1 for r in rows if r[2]),
        "lag_s_p50": round(percentile(lags, 50), 3) if lags else None,
        "lag_s_p99": round(percentile(lags, 99), 3) if lags else None,
        "lag_s_max": round(max(lags), 3) if lags else None,
        "routed_per_s": round(len(rows) / span, 1) if span else None,
        "routed_per_s_alone": round(len(after) / alone, 1) if alone > 1 else None,
        "drained_s_after_load": round(time.monotonic() - started, 1),
    }


def run_intake(params: IntakeParams, log: Any = print) -> dict[str, Any]:
    bodies = payloads(params.warmup + params.requests, params.seed)
    password = secrets.token_urlsafe(16)
    with scratch_database("minsheng_bench_intake") as url, tempfile.TemporaryDirectory() as var_dir:
        log("准备数据库（迁移、加载平湖配置、创建话务员）…")
        _prepare(url, password)
        server = Server(url, params.workers, var_dir, params.routing, params.async_routing)
        try:
            token = httpx.post(server.base + "/api/v1/auth/token", data={"username": USERNAME, "password": password},
                               timeout=10).json()["access_token"]
            encoded = [build_post("127.0.0.1", server.port, "/api/v1/cases", token,
                                  json.dumps(b, ensure_ascii=False).encode()) for b in bodies]
            log(f"预热 {params.warmup} 次请求 …")
            run_load("127.0.0.1", server.port, encoded[: params.warmup], params.concurrency,
                     max_seconds=params.max_seconds)
            if params.routing and params.async_routing:  # timed cases must not queue behind the warm-up's
                drain_routing_queue(url)
            log(f"压测 {params.requests} 次请求，{params.concurrency} 个并发连接，{params.workers} 个服务进程 …")
            first_timed_id = _max_case_id(url) + 1
            sampler = RssSampler(server)
            cpu = CpuAccount(server, url.rsplit("/", 1)[-1])
            load_before = round(os.getloadavg()[0], 2)
            sampler.start()
            cpu.start()
            load = run_load("127.0.0.1", server.port, encoded[params.warmup:], params.concurrency,
                            max_seconds=params.max_seconds, rate=params.rate)
            cpu_use = cpu.stop(len(load.latencies))
            rss = sampler.stop()
            if params.async_routing:
                log("等待后台分拨处理完队列 …")
                routed = background_routing(url, first_timed_id)
        finally:
            server.stop()
        if load.first_error:
            raise RuntimeError(f"requests failed: {load.statuses} first: {load.first_error}")
        log("原始 psycopg 插入同样的行 …")
        raw = raw_insert_rate(url, bodies[params.warmup:params.warmup + len(load.latencies)], params.concurrency,
                              USERNAME)
        pg = server_version(url)
    ok = len(load.latencies)
    cases_per_s = ok / load.seconds
    figures = {
        "cases_per_s": round(cases_per_s, 1),
        "latency_ms_p50": round(percentile(load.latencies, 50) * 1000, 2),
        "latency_ms_p99": round(percentile(load.latencies, 99) * 1000, 2),
        "server_rss_mb": round(rss, 1),
        "raw_cases_per_s": round(raw["cases_per_s"], 1),
        "ratio": round(cases_per_s / raw["cases_per_s"], 3),
    }
    result: dict[str, Any] = {
        "benchmark": "intake",
        **figures,
        "requests": ok,
        "statuses": {str(k): v for k, v in load.statuses.items()},
        "server_rss_mb_peak_by_role": {role: round(mb, 1) for role, mb in sampler.peak_by_role.items()},
        "server_pss_mb": round(sampler.peak_pss, 1),
        "seconds": round(load.seconds, 2),
        "raw_seconds": round(raw["seconds"], 2),
        "targets": TARGETS,
        "params": {
            "requests": params.requests, "warmup": params.warmup, "concurrency": params.concurrency,
            "max_seconds": params.max_seconds, "rate_per_s": params.rate,
            "server_workers": params.workers, "seed": params.seed, "endpoint": "POST /api/v1/cases",
            "routing_on_intake": params.routing, "async_routing": params.async_routing,
            "server": "minsheng serve --no-access-log (uvicorn, uvloop, httptools; SO_REUSEPORT per worker)",
            "load_generator": "one asyncio (uvloop) process with keep-alive connections, on the same 2 cores",
            "raw": "psycopg 3, one thread and connection per client, one transaction per case: "
                   "INSERT cases … RETURNING id; INSERT case_events; COMMIT (number from a local counter)",
        },
        "machine": {**machine_facts(), "postgresql": pg},
        # The machine is shared: CPU taken by other processes during the run lowers the figures.
        "cpu_during_run": {**cpu_use, "load_average_1m_before": load_before},
    }
    if params.async_routing:
        result["background_routing"] = routed
    result["meets_targets"] = {
        "cases_per_s": figures["cases_per_s"] >= TARGETS["cases_per_s"],
        "latency_ms_p99": figures["latency_ms_p99"] <= TARGETS["latency_ms_p99"],
        "ratio": figures["ratio"] >= TARGETS["ratio"],
        "server_rss_mb": figures["server_rss_mb"] <= TARGETS["server_rss_mb"],
    }
    return result


def result_name(routing: bool, async_routing: bool, rate: float | None, concurrency: int) -> str:
    """The result file's name: the mode, then the pace and the connections where not the default's."""
    name = "intake-no-routing" if not routing else "intake" if async_routing else "intake-sync-routing"
    name += f"-{rate:g}rps" if rate else ""
    return name + (f"-c{concurrency}" if concurrency != IntakeParams.concurrency else "")


def register(bench_app: typer.Typer) -> None:
    @bench_app.command("intake")
    def intake(
        requests: Annotated[int, typer.Option(help="计时的请求数")] = IntakeParams.requests,
        warmup: Annotated[int, typer.Option(help="预热请求数（不计时）")] = IntakeParams.warmup,
        concurrency: Annotated[int, typer.Option(
            help="并发连接数；非默认值时结果文件名加 -c<连接数>")] = IntakeParams.concurrency,
        workers: Annotated[int, typer.Option(help="uvicorn 工作进程数")] = IntakeParams.workers,
        max_seconds: Annotated[float, typer.Option(help="计时阶段最长秒数（到时即停）")] = IntakeParams.max_seconds,
        out: Annotated[Path | None, typer.Option(help="结果目录，默认 benchmarks/results")] = None,
        routing: Annotated[bool, typer.Option(
            help="受理时智能分拨（及自动派单）；--no-routing 只测平台本身，写入 intake-no-routing.json")] = True,
        async_routing: Annotated[bool, typer.Option(
            "--async-routing/--sync-routing",
            help="默认（如发布配置）：受理时只跑快速模型，后台分拨细化并自动派单，并测分拨延迟；"
                 "--sync-routing：完整模型在请求路径上，写入 intake-sync-routing.json")] = True,
        rate: Annotated[float | None, typer.Option(
            help="按此速率（件/秒）匀速发送，结果文件名加 -<速率>rps；默认尽快发送")] = None,
    ) -> None:
        """受理速度：HTTP 接口每秒建案数、延迟 p50/p99、服务内存，及与原始 psycopg 插入之比。"""
        result = run_intake(IntakeParams(requests, warmup, concurrency, workers, max_seconds=max_seconds,
                                         routing=routing, async_routing=async_routing and routing, rate=rate),
                            log=typer.echo)
        path = write_result(result_name(routing, async_routing, rate, concurrency), result, out)
        typer.echo(json.dumps({k: result[k] for k in ("cases_per_s", "latency_ms_p50", "latency_ms_p99",
                                                       "server_rss_mb", "raw_cases_per_s", "ratio",
                                                       "meets_targets")}, ensure_ascii=False, indent=2))
        typer.echo(f"结果已写入 {path}")
