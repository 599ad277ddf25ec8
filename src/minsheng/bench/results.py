"""Where benchmark results go and the machine facts recorded with them."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

PACKAGES = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "psycopg", "pydantic", "uvloop", "httptools")


def results_dir(out: Path | None = None) -> Path:
    """benchmarks/results under the project root (the nearest folder with pyproject.toml), else ./."""
    if out is not None:
        return out
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").exists() and (folder / "benchmarks").is_dir():
            return folder / "benchmarks" / "results"
    return here / "benchmarks" / "results"


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=5, check=False).stdout.strip()
    except OSError:
        return ""


def machine_facts() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": _cpu_model(), "platform": platform.platform(), "python": platform.python_version(),
        "packages": versions, "git_commit": _git_commit(), "cpu_yardstick_s": cpu_yardstick(),
    }


def cpu_yardstick() -> float:
    """Seconds this process takes for a fixed pure-Python loop (10 million additions): how fast the
    machine's CPU was when the figures were taken. A shared VM's speed varies from hour to hour;
    runs of the same benchmark are comparable only together with this."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return round(time.perf_counter() - started, 3)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def write_result(name: str, result: dict[str, Any], out: Path | None = None) -> Path:
    """Write `<name>.json` (the latest) and a timestamped copy; return the latest's path."""
    folder = results_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    result = {**result, "finished_at": stamp.isoformat(timespec="seconds")}
    text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    path = folder / f"{name}.json"
    path.write_text(text, encoding="utf-8")
    (folder / f"{name}-{stamp:%Y%m%dT%H%M%SZ}.json").write_text(text, encoding="utf-8")
    return path
