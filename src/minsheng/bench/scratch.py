"""Scratch PostgreSQL databases for benchmarks: created with a unique name, always dropped."""

from __future__ import annotations

import os
import signal
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import psycopg

PG_ADMIN_URL = os.environ.get("MINSHENG_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """Within the block, SIGTERM (kill, a timeout) unwinds like Ctrl-C, so `finally` clauses run: a
    killed benchmark stops the server it started and drops its database instead of leaving them
    to load the machine. Only the main thread can install a handler; elsewhere a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def scratch_database(prefix: str = "minsheng_bench", admin_url: str = PG_ADMIN_URL) -> Iterator[str]:
    """Yield the URL of a fresh, empty database; drop it afterwards (even on error)."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with sigterm_unwinds():
            yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"
