"""The intake benchmark's harness, run tiny: a real server, real requests, the raw yardstick, the JSON."""

from __future__ import annotations

import json
from pathlib import Path

from minsheng.bench.intake import IntakeParams, payloads, result_name, run_intake
from minsheng.bench.loadgen import percentile
from minsheng.bench.results import write_result
from tests.conftest import require_pg


def test_payloads_are_valid_intake_bodies() -> None:
    from minsheng.cases.schemas import CaseCreate

    bodies = payloads(300, seed=1)
    assert len({b["channel"] for b in bodies}) == 6
    for body in bodies:
        CaseCreate(**body)
    assert payloads(5, seed=2) == payloads(5, seed=2)


def test_each_mode_pace_and_connection_count_has_its_own_result_file() -> None:
    assert result_name(True, True, None, 16) == "intake"
    assert result_name(True, True, None, 24) == "intake-c24"
    assert result_name(True, True, 30, 16) == "intake-30rps"
    assert result_name(False, False, None, 32) == "intake-no-routing-c32"
    assert result_name(True, False, 12.5, 16) == "intake-sync-routing-12.5rps"


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0 or percentile(values, 50) == 51.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0


def test_small_intake_run_writes_figures(tmp_path: Path) -> None:
    require_pg()
    result = run_intake(IntakeParams(requests=60, warmup=10, concurrency=3, workers=1, async_routing=False),
                        log=lambda _m: None)
    assert result["requests"] == 60 and result["statuses"] == {"201": 60}
    assert result["cases_per_s"] > 0 and result["raw_cases_per_s"] > 0
    assert result["ratio"] == round(result["cases_per_s"] / result["raw_cases_per_s"], 3)
    assert 0 < result["latency_ms_p50"] <= result["latency_ms_p99"]
    assert 20 < result["server_rss_mb"] < 2000
    assert 0 < result["server_pss_mb"] <= result["server_rss_mb"]  # shared pages counted once, never more
    assert result["machine"]["cpus"] and result["machine"]["postgresql"] and result["machine"]["cpu_yardstick_s"] > 0
    cpu = result["cpu_during_run"]
    by_role = [cpu[f"server_{role}_cpu_ms_per_case"] for role in ("supervisor", "web_workers", "router")]
    assert cpu["server_web_workers_cpu_ms_per_case"] > 0  # the workers did the work
    assert abs(sum(by_role) - cpu["server_cpu_ms_per_case"]) <= 0.01  # the roles split the server's CPU
    path = write_result("intake", result, tmp_path)
    assert json.loads(path.read_text())["cases_per_s"] == result["cases_per_s"]
    assert len(list(tmp_path.glob("intake-*.json"))) == 1
    assert "background_routing" not in result and result["params"]["async_routing"] is False


def test_a_paced_run_with_the_background_router_measures_how_long_cases_wait_to_be_routed() -> None:
    require_pg()
    result = run_intake(IntakeParams(requests=40, warmup=5, concurrency=2, workers=1, async_routing=True, rate=20),
                        log=lambda _m: None)
    assert result["statuses"] == {"201": 40}
    assert 1.5 < result["seconds"] < 10  # 40 requests paced at 20/s take about two seconds
    routed = result["background_routing"]
    assert routed["cases"] == routed["routed"] == 40
    assert 0 <= routed["lag_s_p50"] <= routed["lag_s_p99"] <= routed["lag_s_max"]
    assert result["params"]["async_routing"] is True and result["params"]["rate_per_s"] == 20
