"""The outbox dispatcher inside the app process (SQLite / single-process deployments)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from minsheng.db import get_db
from minsheng.integrations.delivery import Dispatcher
from minsheng.integrations.settings import channel_settings
from minsheng.settings import get_settings


def in_process_enabled() -> bool:
    """MINSHENG_DISPATCH_IN_PROCESS decides; else MINSHENG_RUN_WORKER_IN_PROCESS; else on for SQLite only."""
    forced = channel_settings().dispatch_in_process
    if forced is not None:
        return forced
    settings = get_settings()
    if settings.run_worker_in_process is not None:
        return settings.run_worker_in_process
    return settings.is_sqlite


def run_outbox_dispatcher(app_state: Any) -> Callable[[], None] | None:
    """Start the dispatcher thread with the app; returns the function that stops it."""
    if not in_process_enabled():
        return None
    stop = threading.Event()
    dispatcher = Dispatcher(get_db())
    thread = threading.Thread(target=dispatcher.run, args=(stop,), name="outbox-dispatcher", daemon=True)
    thread.start()

    def _stop() -> None:
        stop.set()
        thread.join(timeout=15)
        dispatcher.http.close()

    return _stop
