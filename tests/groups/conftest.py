"""Group tests: the SLA worker is driven by hand (fake clock), never by a background thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from minsheng import domains
from minsheng.clock import FakeClock
from minsheng.db import Database
from minsheng.settings import get_settings
from minsheng.sla.worker import Worker


@pytest.fixture(autouse=True)
def _no_background_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MINSHENG_RUN_WORKER_IN_PROCESS", "false")
    get_settings.cache_clear()
    domains.load_listeners()
    yield


@pytest.fixture
def fire(db: Database, fake_clock: FakeClock) -> Callable[[float | timedelta], int]:
    """fire(seconds): move the clock on, let the SLA worker fire what is due; the number fired."""
    worker = Worker(db, now=fake_clock.now, name="groups-test-worker")

    def _fire(seconds: float | timedelta = 0) -> int:
        fake_clock.advance(seconds.total_seconds() if isinstance(seconds, timedelta) else seconds)
        return worker.run_until_idle(fake_clock.now())

    return _fire
