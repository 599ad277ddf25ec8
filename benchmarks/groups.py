"""Group benchmark entry point: the same run as `minsheng bench groups` (see src/minsheng/bench/groups.py)."""

from __future__ import annotations

import sys

from minsheng.bench import bench_app

if __name__ == "__main__":
    sys.argv[1:1] = ["groups"]
    bench_app()
