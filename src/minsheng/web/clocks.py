"""Which of a case's running clocks the console counts down to (pure)."""

from __future__ import annotations

from typing import Any

RUNNING = ("ok", "warning", "overdue", "paused")


def next_clock(clocks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The running clock with the nearest deadline (an overdue one first), or None."""
    running = [c for c in clocks if c.get("state") in RUNNING and c.get("due_at")]
    if not running:
        return None
    return min(running, key=lambda c: (c.get("state") != "overdue", str(c["due_at"])))
