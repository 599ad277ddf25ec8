"""Accuracy and latency of routing on labelled requests.

For examples in the shipped JSONL shape (with town and department labels) the whole route is
measured: category, top-3 category, town, department. For CSV text,label data in a city's own
taxonomy only the category measures apply. Latency is per request, one request at a time, as on
the intake path (wall clock, this process, warm). The same measures of the model's fast form (its
text head alone, the intake path's first suggestion when a background router refines it) are
under "fast".
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


def _run(examples: list[Example], model: RouterModel, router: Router | None,
         fast: bool) -> tuple[list[str], list[list[str]], list[str | None], list[str], list[float]]:
    """Predict each example alone, timed: categories, top-3s, towns and units (routed), times."""
    runs: list[float] = []
    predicted, top3, towns, units = [], [], [], []
    warm = examples[0]
    for e in [warm, *examples]:
        if router is not None:
            s = _timed(lambda e=e: router.suggest(e.text, e.address, fast=fast), runs)  # type: ignore[misc]
            label, labels, town, unit = s.category, [c for c, _ in s.top], s.town, s.unit
        else:
            p = _timed(lambda e=e: model.classifier.predict([model_input(e.text, e.address)], fast=fast)[0],  # type: ignore[misc]
                       runs)
            label, labels, town, unit = p.label, list(p.labels), None, ""
        predicted.append(label)
        top3.append(labels)
        towns.append(town)
        units.append(unit)
    # the first (warm-up) call pays for loading caches, as a process does once at start-up
    return predicted[1:], top3[1:], towns[1:], units[1:], runs[1:]


def _accuracy(examples: list[Example], predicted: list[str], top3: list[list[str]],
              units: list[str] | None) -> dict[str, float]:
    n = len(examples)
    out = {"category_accuracy": round(sum(p == e.label for p, e in zip(predicted, examples, strict=True)) / n, 4),
           "top3_category_accuracy": round(sum(e.label in k for k, e in zip(top3, examples, strict=True)) / n, 4)}
    if units is not None:
        out["department_accuracy"] = round(sum(u == e.department for u, e in zip(units, examples, strict=True)) / n, 4)
    return out


def evaluate(examples: list[Example], model: RouterModel, router: Router | None = None) -> dict[str, Any]:
    """Measure `model` (inside `router` when the examples carry routing labels) on `examples`: the
    whole model, and under "fast" its text head alone (what the intake path runs when the
    background router refines the suggestion: MINSHENG_ROUTING_ASYNC)."""
    if not examples:
        raise ValueError("没有评估样本")
    routed = router is not None and all(e.has_routing for e in examples)
    use = router if routed else None
    predicted, top3, towns, units, runs = _run(examples, model, use, fast=False)
    truth = [e.label for e in examples]
    n = len(examples)
    seen = set(model.metadata.get("text_hashes", []))
    result: dict[str, Any] = {"n": n, **_accuracy(examples, predicted, top3, units if routed else None)}
    if routed:
        result["town_accuracy"] = round(sum(t == e.town for t, e in zip(towns, examples, strict=True)) / n, 4)
    report = category_report(truth, predicted)
    result["macro_f1"] = report["macro_f1"]
    result["per_category"] = report["per_category"]
    result["latency_ms_p50"] = _percentile(runs, 50)
    result["latency_ms_p99"] = _percentile(runs, 99)
    if routed:
        assert router is not None
        result.update(_batched_latency(router, examples))
    fast_predicted, fast_top3, _, fast_units, fast_runs = _run(examples, model, use, fast=True)
    result["fast"] = {**_accuracy(examples, fast_predicted, fast_top3, fast_units if routed else None),
                      "macro_f1": category_report(truth, fast_predicted)["macro_f1"],
                      "latency_ms_p50": _percentile(fast_runs, 50), "latency_ms_p99": _percentile(fast_runs, 99)}
    result["model_version"] = model.version
    result["seen_in_training"] = sum(1 for e in examples if text_hash(e.text) in seen)
    return result
