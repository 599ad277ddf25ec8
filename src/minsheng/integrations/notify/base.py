"""The Notifier protocol and what it is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Recipient:
    kind: str  # citizen | user | unit
    name: str
    phone: str | None = None
    user_id: int | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Notification:
    outbox_id: int
    event: str
    text: str
    recipients: list[Recipient]
    case_id: int | None = None
    case_number: str | None = None


@dataclass(frozen=True)
class SendResult:
    target: str
    status_code: int | None = None
    detail: str = ""
    sent: int = 0
    skipped: list[str] = field(default_factory=list)


class DeliveryFailed(Exception):
    """The backend did not accept the message; it will be retried with backoff."""

    def __init__(self, message: str, *, status_code: int | None = None, target: str = "") -> None:
        super().__init__(message)
        self.status_code, self.target = status_code, target


class Notifier(Protocol):
    name: str

    def send(self, notification: Notification) -> SendResult:
        """Hand the message over; raise DeliveryFailed when it was not accepted."""
        ...
