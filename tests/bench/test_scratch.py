"""Scratch databases: a benchmark killed with SIGTERM still drops its database."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading

import psycopg

from minsheng.bench.scratch import sigterm_unwinds
from tests.conftest import PG_ADMIN_URL, require_pg

_CHILD = textwrap.dedent("""
    import sys, time
    from minsheng.bench.scratch import scratch_database
    with scratch_database("minsheng_test_scratch", sys.argv[1]) as url:
        print(url.rsplit("/", 1)[-1], flush=True)
        time.sleep(60)
""")


def _exists(name: str) -> bool:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def test_a_benchmark_killed_with_sigterm_drops_its_scratch_database() -> None:
    require_pg()
    child = subprocess.Popen([sys.executable, "-c", _CHILD, PG_ADMIN_URL], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    name = child.stdout.readline().strip()
    assert name.startswith("minsheng_test_scratch_") and _exists(name)
    child.send_signal(signal.SIGTERM)
    child.wait(30)
    assert not _exists(name)
    assert child.returncode != 0  # it was stopped, not finished


def test_the_previous_sigterm_handler_comes_back_and_other_threads_are_left_alone() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with sigterm_unwinds():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before
    seen: list[object] = []

    def in_a_thread() -> None:
        with sigterm_unwinds():
            seen.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert seen == [before]
