"""Helpers for tests with real concurrent PostgreSQL transactions: hold one open before its commit
while another runs into its lock, and know (from pg_stat_activity) when it has."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from minsheng.db import Database


def waiting_on_lock(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar_one())


def wait_until_blocked(db: Database, n: int = 1, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if waiting_on_lock(db) >= n:
            return
        time.sleep(0.02)
    raise AssertionError("the second transaction never waited on a lock")


class Held:
    """Run `work(session)` in a thread inside db.session(); keep the transaction open (uncommitted)
    until release() is called, then commit."""

    def __init__(self, db: Database, work: Callable[[Any], Any]) -> None:
        self.db, self.work = db, work
        self.ready, self.go = threading.Event(), threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with self.db.session() as s:
                self.result = self.work(s)
                self.ready.set()
                self.go.wait(30)
        except BaseException as exc:  # handed to the test
            self.error = exc
        finally:
            self.ready.set()

    def start(self) -> Held:
        self.thread.start()
        assert self.ready.wait(30)
        if self.error:
            raise self.error
        return self

    def release(self) -> None:
        self.go.set()
        self.thread.join(30)
        if self.error:
            raise self.error


class Background:
    """Run `fn()` in a thread; join() returns its result or the exception it raised."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as exc:  # handed to the test
            self.error = exc

    def join(self, timeout: float = 30) -> Background:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "still running"
        return self
