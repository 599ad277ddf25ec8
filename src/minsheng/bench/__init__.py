"""`minsheng bench …`: reproducible performance runs that write JSON to benchmarks/results/.

A tiny registry: each benchmark lives in its own module exposing `register(bench_app)`; modules
that are not there (yet) are skipped, so benchmarks land independently.
"""

from __future__ import annotations

import importlib

import typer

bench_app = typer.Typer(help="性能基准（结果写入 benchmarks/results/*.json）", no_args_is_help=True)

MODULES = (
    "minsheng.bench.intake",
    "minsheng.bench.sla",
    "minsheng.bench.console",
    "minsheng.bench.proposals",
    "minsheng.bench.channels",
    "minsheng.bench.groups",
)

for _name in MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if exc.name != _name:
            raise
        continue
    _module.register(bench_app)
