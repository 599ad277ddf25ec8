"""Tables of the channels: intake links and idempotency keys, client secrets, delivery history,
citizens' review requests, failed look-ups on the citizen's page, Open311 request extras."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db import Base, JSONType, UTCDateTime


class ChannelClient(Base):
    """Per integration client: the secret its hand-back webhooks are signed with, a default callback URL."""

    __tablename__ = "channel_clients"
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True)
    webhook_secret: Mapped[str] = mapped_column(String(128))
    callback_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IntakeLink(Base):
    """Which sending system a case came from, under which key, and where to hand the result back."""

    __tablename__ = "intake_links"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    system: Mapped[str] = mapped_column(String(16))  # 12345 | 110
    api_key_id: Mapped[int | None] = mapped_column(Integer)
    source_id: Mapped[str | None] = mapped_column(String(128))
    callback_url: Mapped[str | None] = mapped_column(String(500))
    response: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the intake answer, replayed on retries
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyKey(Base):
    """An Idempotency-Key header seen from a system: the same key returns the same case."""

    __tablename__ = "idempotency_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("system", "key", name="uq_idempotency_keys_system_key"),)


class DeliveryAttempt(Base):
    """One try at delivering an outbox message (webhook or notification): the delivery history."""

    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(Integer, index=True)
    case_id: Mapped[int | None] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(64), default="")
    target: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_delivery_attempts_case", "case_id", "id"),)


class ReviewRequest(Base):
    """A citizen was not satisfied: the centre reviews the case and reopens it or keeps it closed."""

    __tablename__ = "review_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    rating: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # citizen_page | callback (recorded by staff)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | reopened | upheld
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_review_requests_status", "status", "id"),)


class LookupFailure(Base):
    """A wrong guess on the citizen's page, keyed by a hash of the client address or the case number."""

    __tablename__ = "citizen_lookup_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))  # ip | case
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_citizen_lookup_failures_key", "scope", "key_hash", "at"),)


class Open311Request(Base):
    """What an Open311 client sent beyond the case fields, and the request's token."""

    __tablename__ = "open311_requests"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    api_key_id: Mapped[int | None] = mapped_column(Integer)
    service_code: Mapped[str] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(200))
    device_id: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(String(200))
    address_id: Mapped[str | None] = mapped_column(String(200))
    media_url: Mapped[str | None] = mapped_column(String(1000))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
