"""`minsheng bench sla`: timer precision, burst throughput and idle CPU of a real worker process.

For each size, on a fresh PostgreSQL database with the Pinghu configuration:
1. seed `size` pending timers on real case and clock rows: most due days ahead, `spread` of them
   kept aside for the precision run and `burst` for the burst run (one case each, half warnings,
   half breaches, on village, town and department units so that breaches really escalate);
2. start `minsheng worker` as a subprocess and measure its CPU while nothing is due;
3. precision: give the `spread` timers deadlines spread evenly over `window` seconds, wake the
   workers as an action would (NOTIFY), and measure lateness = fired_at − due_at;
4. burst: make the `burst` timers due at one instant; fired_per_s = burst / (last fired − due).
Results go to benchmarks/results/sla-<size>.json (and a timestamped copy).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import psutil
import psycopg
import typer

from minsheng.bench.results import machine_facts, write_result
from minsheng.db import normalise_url

SEED_SQL = """
INSERT INTO cases (id, number, channel, content, address, track, priority, status, suspended, rated, merged,
                   level, command_unit_code, escalated, overdue, reopen_count, created_at, updated_at,
                   assigned_at, unit_code, town_code)
SELECT i, 'B' || lpad(i::text, 12, '0'), '12345', '基准测试案件 ' || i, '', 'fast', 0, 'assigned',
       false, false, false, u.level, u.command, false, false, 0, %(now)s, %(now)s, %(now)s, u.code, u.town
FROM generate_series(1, %(cases)s) AS i
JOIN (SELECT row_number() OVER (ORDER BY code) - 1 AS k, code, town_code AS town,
             CASE WHEN level IN ('village', 'town') THEN level ELSE 'city' END AS level,
             CASE kind WHEN 'village' THEN parent_code WHEN 'town_centre' THEN code ELSE %(centre)s END AS command
      FROM units WHERE kind <> 'centre') AS u
  ON u.k = i %% %(units)s;
INSERT INTO sla_clocks (case_id, key, stage, round, unit_code, town_code, track, started_at, local_day, deadline,
                        warn_at, limit_seconds, remaining_seconds, paused_seconds, state, updated_at)
SELECT c.id, s.stage || ':' || c.unit_code || ':1', s.stage, 1, c.unit_code, c.town_code, 'fast', %(now)s,
       %(today)s, %(far)s, %(far)s, s.lim, s.lim, 0, 'ok', %(now)s
FROM cases c CROSS JOIN (VALUES ('sign', 60), ('dispatch', 300), ('feedback', 86400)) AS s(stage, lim)
WHERE c.id > %(marked)s OR s.stage = 'sign';
INSERT INTO sla_timers (case_id, clock_id, kind, due_at)
SELECT k.case_id, k.id, t.kind,
       CASE WHEN k.case_id <= %(marked)s THEN %(parked)s
            ELSE %(now)s + interval '3 days' + (random() * interval '27 days') END
FROM sla_clocks k CROSS JOIN (VALUES ('warn'), ('breach')) AS t(kind)
WHERE k.case_id > %(marked)s OR t.kind = CASE WHEN k.case_id %% 2 = 0 THEN 'warn' ELSE 'breach' END;
SELECT setval(pg_get_serial_sequence('cases', 'id'), %(cases)s);
ANALYZE cases; ANALYZE sla_clocks; ANALYZE sla_timers;
"""


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _prepare(admin_url: str, size: int, spread: int, burst: int) -> tuple[str, str]:
    from minsheng.db import Database
    from minsheng.directory.config import demo_config_dir, load_city_config
    from minsheng.directory.loader import load_city
    from minsheng.migrate import upgrade

    name = f"minsheng_bench_sla_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        load_city(s, load_city_config(demo_config_dir()), now=datetime.now(UTC))
    db.dispose()
    far_cases = -(-(size - spread - burst) // 6)
    now = datetime.now(UTC)
    with psycopg.connect(url, autocommit=True) as conn:
        units = conn.execute("SELECT count(*) FROM units WHERE kind <> 'centre'").fetchone()
        centre = conn.execute("SELECT code FROM units WHERE kind = 'centre'").fetchone()
        assert units and centre
        params = {"now": now, "today": now.date(), "far": now + timedelta(days=30), "cases": spread + burst + far_cases,
                  "marked": spread + burst, "parked": now + timedelta(days=365), "units": units[0],
                  "centre": centre[0]}
        for statement in filter(str.strip, SEED_SQL.split(";")):
            conn.execute(statement, params)
        extra = conn.execute("SELECT count(*) FROM sla_timers WHERE fired_at IS NULL").fetchone()
        assert extra is not None
        surplus = extra[0] - size  # 6 timers per far case: trim the rounding
        if surplus > 0:
            conn.execute("DELETE FROM sla_timers WHERE id IN (SELECT id FROM sla_timers WHERE case_id > %s "
                         "ORDER BY id DESC LIMIT %s)", (spread + burst, surplus))
    return name, url


def _drop(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _schedule(url: str, first: int, last: int, due: str, params: dict[str, Any]) -> None:
    """Give the timers of cases first..last their deadlines, and wake the workers (as an action would)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"UPDATE sla_timers SET due_at = {due} WHERE case_id BETWEEN %(first)s AND %(last)s",
                     {"first": first, "last": last, **params})
        conn.execute("SELECT pg_notify('minsheng_sla', '')")


def _wait_fired(url: str, first: int, last: int, timeout: float) -> list[tuple[datetime, datetime, str]]:
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT count(*) FROM sla_timers WHERE case_id BETWEEN %s AND %s AND fired_at IS NULL",
                               (first, last)).fetchone()
            if row and row[0] == 0:
                break
            time.sleep(0.5)
        return [(r[0], r[1], r[2]) for r in conn.execute(
            "SELECT due_at, fired_at, kind FROM sla_timers WHERE case_id BETWEEN %s AND %s AND fired_at IS NOT NULL",
            (first, last))]


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    return sum(t.user + t.system for t in (p.cpu_times() for p in processes))


def run_size(admin_url: str, size: int, *, spread: int, window: float, burst: int, idle: float,
             batch_size: int, workers: int, keep: bool) -> dict[str, Any]:
    load_before = os.getloadavg()
    t_seed = time.monotonic()
    name, url = _prepare(admin_url, size, spread, burst)
    seed_seconds = time.monotonic() - t_seed
    env = {**os.environ, "MINSHENG_DATABASE_URL": url}
    log = tempfile.NamedTemporaryFile(prefix="sla-bench-worker-", suffix=".log", delete=False)  # noqa: SIM115
    procs = [subprocess.Popen([sys.executable, "-c", "from minsheng.cli import main; main()", "worker",
                               "--batch-size", str(batch_size)], env=env, stdout=log, stderr=log)
             for _ in range(workers)]
    try:
        for _ in range(300):  # until the workers say they have started
            if Path(log.name).read_text(encoding="utf-8", errors="replace").count("\n") >= workers:
                break
            time.sleep(0.1)
        time.sleep(2.0)
        ps = [psutil.Process(p.pid) for p in procs]
        cpu0, t0 = _cpu_seconds(ps), time.monotonic()
        time.sleep(idle)
        cpu1, t1 = _cpu_seconds(ps), time.monotonic()
        idle_cpu = 100 * (cpu1 - cpu0) / (t1 - t0)
        load_during = os.getloadavg()

        start = datetime.now(UTC) + timedelta(seconds=3)
        _schedule(url, 1, spread, "%(start)s + ((case_id - 1) * %(step)s) * interval '1 second'",
                  {"start": start, "step": window / spread})
        spread_rows = _wait_fired(url, 1, spread, window + 120)
        late = [(f - d).total_seconds() for d, f, _ in spread_rows]

        burst_at = datetime.now(UTC) + timedelta(seconds=3)
        cpu_burst0 = _cpu_seconds(ps)
        _schedule(url, spread + 1, spread + burst, "%(at)s", {"at": burst_at})
        burst_rows = _wait_fired(url, spread + 1, spread + burst, 600)
        burst_cpu = _cpu_seconds(ps) - cpu_burst0
        burst_seconds = max((f - burst_at).total_seconds() for _, f, _ in burst_rows) if burst_rows else None
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        log.close()
    worker_log = Path(log.name).read_text(encoding="utf-8", errors="replace")
    os.unlink(log.name)
    if "Traceback" in worker_log:
        raise RuntimeError(f"the worker failed:\n{worker_log[-3000:]}")
    with psycopg.connect(url) as conn:
        escalations = conn.execute("SELECT count(*) FROM case_events WHERE action = 'escalate'").fetchone()
        version = conn.execute("SHOW server_version").fetchone()
    if not keep:
        _drop(admin_url, name)
    return {
        "benchmark": "sla", "backend": "postgresql", "postgres_version": version[0] if version else None,
        "pending_timers": size, "seed_seconds": round(seed_seconds, 1), "batch_size": batch_size,
        "workers": workers,
        "lateness_p50_s": round(statistics.median(late), 4) if late else None,
        "lateness_p99_s": round(_pct(late, 0.99), 4) if late else None,
        "lateness_max_s": round(max(late), 4) if late else None,
        "fired_per_s": round(len(burst_rows) / burst_seconds, 1) if burst_seconds else None,
        "idle_cpu_percent": round(idle_cpu, 3),
        "spread": {"timers": spread, "fired": len(spread_rows), "window_s": window},
        "burst": {"timers": burst, "fired": len(burst_rows), "seconds_to_last": burst_seconds,
                  "warnings": sum(1 for *_, k in burst_rows if k == "warn"),
                  "breaches": sum(1 for *_, k in burst_rows if k == "breach"),
                  "worker_cpu_ms_per_timer": round(1000 * burst_cpu / len(burst_rows), 3) if burst_rows else None},
        "escalations_written": escalations[0] if escalations else None,
        "idle_window_s": idle,
        "load_average": {"before": [round(x, 2) for x in load_before], "idle_phase": [round(x, 2) for x in load_during],
                         "after": [round(x, 2) for x in os.getloadavg()]},
        "targets": {"lateness_p99_s": 1.0, "fired_per_s": 2000, "idle_cpu_percent": 2.0},
        "method": "lateness = fired_at (set just before the batch commits) - due_at, over the spread timers; "
                  "fired_per_s = burst timers / (last fired_at - their common due_at); idle CPU = the "
                  "worker processes' user+system CPU time / wall time while nothing is due (summed over "
                  "workers); load_average: the machine's, which other work shares",
    }


def register(bench_app: typer.Typer) -> None:
    @bench_app.command("sla")
    def sla(
        sizes: Annotated[str, typer.Option(help="待触发计时器总数，逗号分隔")] = "100000,1000000",
        pg_url: Annotated[str, typer.Option(help="PostgreSQL 管理连接（会新建并删除一个基准库）")] =
            "postgresql://postgres@127.0.0.1:5432/postgres",
        spread: Annotated[int, typer.Option(help="精度测试：均匀分布在窗口内到期的计时器数")] = 3000,
        window: Annotated[float, typer.Option(help="精度测试窗口（秒）")] = 60.0,
        burst: Annotated[int, typer.Option(help="突发测试：同一时刻到期的计时器数")] = 20000,
        idle: Annotated[float, typer.Option(help="空闲 CPU 测量时长（秒）")] = 20.0,
        batch_size: Annotated[int, typer.Option(help="每个事务最多触发的计时器数")] = 1000,
        workers: Annotated[int, typer.Option(help="并行的 worker 进程数（生产环境在 PostgreSQL 上建议 2 个）")] = 2,
        out: Annotated[Path | None, typer.Option(help="结果目录，默认 benchmarks/results")] = None,
        keep: Annotated[bool, typer.Option(help="保留基准库以便查看")] = False,
    ) -> None:
        """SLA 计时器基准：到期精度、突发吞吐、空闲 CPU（写入 benchmarks/results/sla-<size>.json）。"""
        admin = normalise_url(pg_url).replace("postgresql+psycopg://", "postgresql://")
        for size in (int(s) for s in sizes.split(",") if s.strip()):
            typer.echo(f"SLA 基准：{size} 个待触发计时器 …")
            result = run_size(admin, size, spread=spread, window=window, burst=burst, idle=idle,
                              batch_size=batch_size, workers=workers, keep=keep)
            path = write_result(f"sla-{size}", {**result, "machine": machine_facts()}, out)
            typer.echo(json.dumps({k: result[k] for k in ("pending_timers", "lateness_p50_s", "lateness_p99_s",
                                                           "lateness_max_s", "fired_per_s", "idle_cpu_percent")}))
            typer.echo(f"已写入 {path}")
