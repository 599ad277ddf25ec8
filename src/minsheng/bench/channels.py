"""`minsheng bench channels`: the doors in and out, measured on PostgreSQL.

One run, on a scratch database with a real uvicorn server in a subprocess (the outbox dispatcher
running inside each server process, as in a single-machine deployment):
- intake: distinct 12345 requests per second through POST /api/v1/intake/12345, latency p50/p99;
- retry storms: rounds of 100 simultaneous copies of one request, each from its own connection;
  how many cases they made (must be one per round) and the latency the retries saw;
- hand-back latency: from the HTTP answer of a closing action to the signed webhook arriving at a
  local receiver (127.0.0.1);
- delivery rate: a backlog of webhook rows delivered by the servers' dispatchers, messages per
  second, and whether every message arrived exactly once.
Writes benchmarks/results/channels.json.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from minsheng.bench.intake import Server, payloads
from minsheng.bench.loadgen import build_post, percentile, run_load
from minsheng.bench.results import machine_facts, write_result
from minsheng.bench.scratch import scratch_database, server_version
from minsheng.integrations.settings import ChannelSettings

USERNAME = "bench_calltaker"


@dataclass(frozen=True)
class ChannelParams:
    requests: int = 2000
    warmup: int = 200
    concurrency: int = 16
    storms: int = 10
    storm_size: int = 100
    handbacks: int = 50
    backlog: int = 2000
    workers: int = 2
    seed: int = 20261125


class Receiver:
    """Counts webhook deliveries by X-Minsheng-Delivery, with the arrival time of each."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: dict[str, list[float]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.arrivals.setdefault(self.headers.get("X-Minsheng-Delivery", "?"), []).append(
                        time.perf_counter())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return sum(len(v) for v in self.arrivals.values())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _prepare(url: str, password: str) -> str:
    import minsheng.models  # noqa: F401
    from minsheng.db import Database
    from minsheng.directory.config import demo_config_dir, load_city_config
    from minsheng.directory.loader import load_city
    from minsheng.directory.security import do_create_api_key, do_create_user
    from minsheng.integrations.clients import ensure_client
    from minsheng.migrate import upgrade

    upgrade(url)
    db = Database(url)
    now = datetime.now(UTC)
    with db.session() as s:
        load_city(s, load_city_config(demo_config_dir()), now=now)
        do_create_user(s, USERNAME, password, "call_taker", "SZZX", now=now, display_name="压测话务员")
        key, plain = do_create_api_key(s, "bench-12345", "12345", now=now)
        ensure_client(s, key, now=now)
    db.dispose()
    return plain


def _intake_body(draft: dict[str, Any], source_id: str, callback: str) -> bytes:
    body = {"source_id": source_id, "content": draft["content"], "address": draft["address"] or "平湖市",
            "citizen_name": draft["citizen_name"], "citizen_phone": draft["citizen_phone"], "callback_url": callback}
    return json.dumps(body, ensure_ascii=False).encode()


def _ms(values: list[float], p: float) -> float:
    return round(percentile(values, p) * 1000, 2)


def _count(url: str, sql: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
        return int(row[0]) if row else 0


def run_channels(params: ChannelParams, log: Any = print) -> dict[str, Any]:
    drafts = payloads(params.warmup + params.requests + params.storms + params.handbacks, params.seed)
    password = secrets.token_urlsafe(16)
    receiver = Receiver()
    result: dict[str, Any] = {"benchmark": "channels", "load_average_before": os.getloadavg()}
    with scratch_database("minsheng_bench_channels") as url, tempfile.TemporaryDirectory() as var_dir:
        log("准备数据库（迁移、加载平湖配置、创建 12345 密钥和话务员）…")
        key = _prepare(url, password)
        os.environ["MINSHENG_DISPATCH_IN_PROCESS"] = "true"
        # the hand-back phase answers each new case directly: routing must leave it unassigned
        os.environ["MINSHENG_AUTO_ASSIGN_THRESHOLD"] = "2"
        server = Server(url, params.workers, var_dir)
        try:
            port, path = server.port, "/api/v1/intake/12345"
            encoded = [build_post("127.0.0.1", port, path, key, _intake_body(d, f"B{i:07d}", receiver.url))
                       for i, d in enumerate(drafts[: params.warmup + params.requests])]
            log(f"受理：预热 {params.warmup}，计时 {params.requests}，{params.concurrency} 个并发连接 …")
            run_load("127.0.0.1", port, encoded[: params.warmup], params.concurrency)
            load = run_load("127.0.0.1", port, encoded[params.warmup:], params.concurrency)
            if load.first_error:
                raise RuntimeError(f"intake failed: {load.statuses} {load.first_error}")
            result["intake"] = {"requests_per_s": round(len(load.latencies) / load.seconds, 1),
                                "latency_ms_p50": _ms(load.latencies, 50), "latency_ms_p99": _ms(load.latencies, 99),
                                "statuses": {str(k): v for k, v in load.statuses.items()}}

            log(f"重试风暴：{params.storms} 轮，每轮 {params.storm_size} 个连接同时发送同一请求 …")
            before = _count(url, "SELECT count(*) FROM cases")
            storm_latencies: list[float] = []
            statuses: Counter[int] = Counter()
            offset = params.warmup + params.requests
            for r in range(params.storms):
                one = build_post("127.0.0.1", port, path, key,
                                 _intake_body(drafts[offset + r], f"STORM{r:04d}", receiver.url))
                storm = run_load("127.0.0.1", port, [one] * params.storm_size, params.storm_size)
                storm_latencies += storm.latencies
                statuses.update(storm.statuses)
            made = _count(url, "SELECT count(*) FROM cases") - before
            result["retry_storms"] = {
                "rounds": params.storms, "copies_per_round": params.storm_size, "cases_created": made,
                "one_case_per_round": made == params.storms, "statuses": {str(k): v for k, v in statuses.items()},
                "latency_ms_p50": _ms(storm_latencies, 50), "latency_ms_p99": _ms(storm_latencies, 99),
                "latency_ms_max": round(max(storm_latencies) * 1000, 2) if storm_latencies else None}

            log(f"回传延迟：{params.handbacks} 件直接答复，测量从答复返回到 webhook 到达 …")
            token = httpx.post(server.base + "/api/v1/auth/token",
                               data={"username": USERNAME, "password": password}).json()["access_token"]
            staff = {"Authorization": f"Bearer {token}"}
            lags: list[float] = []
            with httpx.Client(base_url=server.base, timeout=30) as http:
                offset += params.storms
                for i in range(params.handbacks):
                    body = json.loads(_intake_body(drafts[offset + i], f"HB{i:05d}", receiver.url))
                    case_id = http.post(path, json=body, headers={"Authorization": f"Bearer {key}"}).json()["case_id"]
                    seen = receiver.count()
                    resp = http.post(f"/api/v1/cases/{case_id}/actions/answer_directly",
                                     json={"text": "已答复：该问题已转相关部门处理"}, headers=staff)
                    answered = time.perf_counter()
                    if resp.status_code != 200:
                        raise RuntimeError(f"answer failed: {resp.status_code} {resp.text[:200]}")
                    deadline = answered + 30
                    while receiver.count() == seen and time.perf_counter() < deadline:
                        time.sleep(0.005)
                    with receiver.lock:
                        last = max(t for times in receiver.arrivals.values() for t in times)
                    lags.append(last - answered)
            result["handback"] = {"webhooks": len(lags), "lag_ms_p50": _ms(lags, 50), "lag_ms_p99": _ms(lags, 99),
                                  "lag_ms_max": round(max(lags) * 1000, 2),
                                  "dispatch_interval_s": ChannelSettings().dispatch_interval_seconds,
                                  "note": "polling dispatcher: the lag is bounded by the interval plus one send"}

            log(f"投递速率：{params.backlog} 条积压的 webhook …")
            first_id = _backlog(url, params.backlog, receiver.url)
            started, goal = time.perf_counter(), receiver.count() + params.backlog
            while receiver.count() < goal and time.perf_counter() - started < 300:
                time.sleep(0.02)
            seconds = time.perf_counter() - started
            pending_sql = f"SELECT count(*) FROM outbox WHERE id >= {first_id} AND delivered_at IS NULL"
            settle = time.perf_counter() + 10  # the last batch's outcomes are recorded after its sends
            while (pending := _count(url, pending_sql)) and time.perf_counter() < settle:
                time.sleep(0.05)
            with receiver.lock:
                repeats = sum(len(v) - 1 for v in receiver.arrivals.values() if len(v) > 1)
            result["delivery"] = {"messages": params.backlog, "seconds": round(seconds, 2),
                                  "messages_per_s": round(params.backlog / seconds, 1), "undelivered": pending,
                                  "repeated_deliveries": repeats, "dispatchers": params.workers}
        finally:
            server.stop()
            os.environ.pop("MINSHENG_DISPATCH_IN_PROCESS", None)
            os.environ.pop("MINSHENG_AUTO_ASSIGN_THRESHOLD", None)
            receiver.close()
        pg = server_version(url)
    server_note = "uvicorn subprocess on 127.0.0.1, dispatcher in each worker, routing on, auto-assignment off"
    result["params"] = {**params.__dict__, "server": server_note,
                        "load_generator": "asyncio keep-alive connections on the same 2 cores"}
    result["machine"] = {**machine_facts(), "postgresql": pg}
    result["load_average_after"] = os.getloadavg()
    return result


def _backlog(url: str, count: int, target: str) -> int:
    """Insert `count` due webhook rows at once; returns the first id."""
    import psycopg

    with psycopg.connect(url) as conn:
        key_id = conn.execute("SELECT api_key_id FROM channel_clients LIMIT 1").fetchone()
        payload = json.dumps({"url": target, "event": "case.closed", "client": key_id[0] if key_id else None,
                              "body": {"event": "case.closed", "bench": True}})
        row = conn.execute(
            "INSERT INTO outbox (topic, payload, created_at, available_at, attempts) "
            "SELECT 'webhook', %s::jsonb, now(), now(), 0 FROM generate_series(1, %s) RETURNING id",
            (payload, count)).fetchall()
        return min(r[0] for r in row)


def register(bench_app: typer.Typer) -> None:
    @bench_app.command("channels")
    def channels(
        requests: Annotated[int, typer.Option(help="计时的受理请求数")] = ChannelParams.requests,
        storms: Annotated[int, typer.Option(help="重试风暴轮数")] = ChannelParams.storms,
        backlog: Annotated[int, typer.Option(help="积压 webhook 条数")] = ChannelParams.backlog,
        workers: Annotated[int, typer.Option(help="uvicorn 工作进程数")] = ChannelParams.workers,
        out: Annotated[Path | None, typer.Option(help="结果目录，默认 benchmarks/results")] = None,
    ) -> None:
        """对接通道：12345 受理速度、重试风暴只建一案、回传延迟、webhook 投递速率。"""
        params = ChannelParams(requests=requests, storms=storms, backlog=backlog, workers=workers)
        result = run_channels(params, log=typer.echo)
        path = write_result("channels", result, out)
        typer.echo(json.dumps({k: result[k] for k in ("intake", "retry_storms", "handback", "delivery")},
                              ensure_ascii=False, indent=2))
        typer.echo(f"结果已写入 {path}")
