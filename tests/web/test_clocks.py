"""Which clock a row counts down to (pure)."""

from __future__ import annotations

from minsheng.web.clocks import next_clock


def test_overdue_first_then_nearest_running_deadline() -> None:
    clocks = [
        {"stage": "feedback", "state": "ok", "due_at": "2026-11-26T01:00:00+00:00"},
        {"stage": "dispatch", "state": "warning", "due_at": "2026-11-25T01:05:00+00:00"},
        {"stage": "sign", "state": "met", "due_at": "2026-11-25T01:01:00+00:00"},
    ]
    assert next_clock(clocks)["stage"] == "dispatch"  # type: ignore[index]
    clocks.append({"stage": "contact", "state": "overdue", "due_at": "2026-11-27T00:00:00+00:00"})
    assert next_clock(clocks)["stage"] == "contact"  # type: ignore[index]
    assert next_clock([{"stage": "sign", "state": "met", "due_at": "x"}]) is None
    assert next_clock([]) is None
