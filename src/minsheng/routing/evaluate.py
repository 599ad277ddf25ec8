"""Accuracy and latency of routing on labelled requests.

For examples in the shipped JSONL shape (with town and department labels) the whole route is
measured: category, top-3 category, town, department. For CSV text,label data in a city's own
taxonomy only the category measures apply. Latency is per request, one request at a time, as on
the intake path (wall clock, this process, warm).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from minsheng.routing.datasets import Example
from minsheng.routing.model import RouterModel, text_hash
from minsheng.routing.router import Router
from minsheng.routing.text import model_input


def category_report(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Per-category precision/recall/F1 and their macro average (over categories in the truth)."""
    labels = sorted(set(truth))
    per: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p == label)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if t != label and p == label)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                      "support": tp + fn}
    macro = float(np.mean([v["f1"] for v in per.values()])) if per else 0.0
    return {"macro_f1": round(macro, 4), "per_category": per}


T = TypeVar("T")


def _timed(fn: Callable[[], T], runs: list[float]) -> T:
    start = time.perf_counter()
    result = fn()
    runs.append((time.perf_counter() - start) * 1000)
    return result


def _percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 3) if values else 0.0


BATCH = 32  # what the background router (MINSHENG_ROUTING_ASYNC) routes at once under load


def _batched_latency(router: Router, examples: list[Example]) -> dict[str, float]:
    """Time per request when requests are routed BATCH at a time, as the background router does:
    each batch's time divided by its size, p50 and p99 over the batches."""
    per_request: list[float] = []
    for start in range(0, len(examples), BATCH):
        chunk = examples[start:start + BATCH]
        began = time.perf_counter()
        router.suggest_many([(e.text, e.address) for e in chunk])
        per_request.append((time.perf_counter() - began) * 1000 / len(chunk))
    return {"batched_ms_per_request_p50": _percentile(per_request, 50),
            "batched_ms_per_request_p99": _percentile(per_request, 99), "batch_size": BATCH}


def evaluate(examples: list[Example], model: RouterModel, router: Router | None = None) -> dict[str, Any]:
    """Measure `model` (inside `router` when the examples carry routing labels) on `examples`."""
    if not examples:
        raise ValueError("没有评估样本")
    routed = router is not None and all(e.has_routing for e in examples)
    warm = examples[0]
    if routed:
        assert router is not None
        router.suggest(warm.text, warm.address)
    else:
        model.classifier.predict_one(model_input(warm.text, warm.address))
    runs: list[float] = []
    predicted, top3, towns, units = [], [], [], []
    for e in examples:
        if routed:
            assert router is not None
            s = _timed(lambda e=e: router.suggest(e.text, e.address), runs)  # type: ignore[misc]
            predicted.append(s.category)
            top3.append([c for c, _ in s.top])
            towns.append(s.town)
            units.append(s.unit)
        else:
            p = _timed(lambda e=e: model.classifier.predict_one(model_input(e.text, e.address)), runs)  # type: ignore[misc]
            predicted.append(p.label)
            top3.append(list(p.labels))
    truth = [e.label for e in examples]
    n = len(examples)
    seen = set(model.metadata.get("text_hashes", []))
    result: dict[str, Any] = {
        "n": n,
        "category_accuracy": round(sum(p == t for p, t in zip(predicted, truth, strict=True)) / n, 4),
        "top3_category_accuracy": round(sum(t in k for k, t in zip(top3, truth, strict=True)) / n, 4),
    }
    if routed:
        result["department_accuracy"] = round(
            sum(u == e.department for u, e in zip(units, examples, strict=True)) / n, 4)
        result["town_accuracy"] = round(sum(t == e.town for t, e in zip(towns, examples, strict=True)) / n, 4)
    report = category_report(truth, predicted)
    result["macro_f1"] = report["macro_f1"]
    result["per_category"] = report["per_category"]
    result["latency_ms_p50"] = _percentile(runs, 50)
    result["latency_ms_p99"] = _percentile(runs, 99)
    if routed:
        assert router is not None
        result.update(_batched_latency(router, examples))
    result["model_version"] = model.version
    result["seen_in_training"] = sum(1 for e in examples if text_hash(e.text) in seen)
    return result
