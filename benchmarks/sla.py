"""SLA timer benchmark entry point: the same run as `minsheng bench sla` (see src/minsheng/bench/sla.py)."""

from __future__ import annotations

import sys

from minsheng.bench import bench_app

if __name__ == "__main__":
    sys.argv[1:1] = ["sla"]
    bench_app()
