from __future__ import annotations

import pytest

from minsheng.directory.config import CityConfig
from minsheng.routing.evaluate import category_report, evaluate
from minsheng.routing.model import RouterModel
from minsheng.routing.router import Router


def test_category_report_by_hand() -> None:
    r = category_report(["a", "a", "b", "c"], ["a", "b", "b", "c"])
    assert r["per_category"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert r["per_category"]["b"]["precision"] == 0.5
    assert r["macro_f1"] == pytest.approx((0.6667 + 0.6667 + 1.0) / 3, abs=1e-3)


def test_evaluate_reports_every_measure(pinghu: CityConfig, shipped_model: RouterModel, shipped_b: list) -> None:
    result = evaluate(shipped_b[:20], shipped_model, Router(pinghu, shipped_model))
    for key in ("n", "category_accuracy", "top3_category_accuracy", "department_accuracy", "town_accuracy",
                "macro_f1", "per_category", "latency_ms_p50", "latency_ms_p99"):
        assert key in result
    assert result["n"] == 20
    assert 0 < result["batched_ms_per_request_p50"] <= result["batched_ms_per_request_p99"]
    assert result["batch_size"] == 32
    fast = result["fast"]  # the text head alone: the intake path's first suggestion with a background router
    assert set(fast) == {"category_accuracy", "top3_category_accuracy", "department_accuracy", "macro_f1",
                         "latency_ms_p50", "latency_ms_p99"}
    assert 0 < fast["latency_ms_p50"] <= fast["latency_ms_p99"]
    assert result["seen_in_training"] == 20  # the shipped model was trained on these: reported, not hidden
