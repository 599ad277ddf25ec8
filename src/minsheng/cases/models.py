"""The case aggregate's tables: cases, their timeline events, attachments, daily number counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.db import Base, JSONType, UTCDateTime

CHANNELS = ("12345", "110", "app", "web", "open311", "walk_in")
STAGE_TIMESTAMPS = ("assigned_at", "signed_at", "dispatched_at", "arrived_at", "replied_at", "closed_at")


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    source_system: Mapped[str | None] = mapped_column(String(32))
    source_id: Mapped[str | None] = mapped_column(String(128))
    citizen_name: Mapped[str | None] = mapped_column(String(64))
    citizen_phone: Mapped[str | None] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(300), default="")
    lng: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    category_code: Mapped[str | None] = mapped_column(String(32))
    town_code: Mapped[str | None] = mapped_column(String(12))
    village_code: Mapped[str | None] = mapped_column(String(12))
    unit_code: Mapped[str | None] = mapped_column(String(32))  # handling unit (the lead unit of a group)
    group_id: Mapped[int | None] = mapped_column(Integer)
    team_code: Mapped[str | None] = mapped_column(String(32))
    track: Mapped[str] = mapped_column(String(32), default="normal")
    priority: Mapped[int] = mapped_column(Integer, default=0)  # 0 normal, 1 high, 2 urgent
    status: Mapped[str] = mapped_column(String(16))
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rated: Mapped[bool] = mapped_column(Boolean, default=False)
    merged: Mapped[bool] = mapped_column(Boolean, default=False)
    master_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    level: Mapped[str] = mapped_column(String(10), default="city")  # command level: village|town|city
    command_unit_code: Mapped[str | None] = mapped_column(String(32))
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback_text: Mapped[str | None] = mapped_column(Text)
    public_answer: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[str | None] = mapped_column(String(24))  # satisfied | basically_satisfied | unsatisfied
    rating_comment: Mapped[str | None] = mapped_column(Text)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    suggestions: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", lazy="raise_on_sql", passive_deletes=True
    )

    __table_args__ = (
        UniqueConstraint("source_system", "source_id", name="uq_cases_source"),
        Index("ix_cases_status_id", "status", "id"),
        Index("ix_cases_unit_status", "unit_code", "status"),
        Index("ix_cases_town_status", "town_code", "status"),
        Index("ix_cases_created_at", "created_at"),
        Index("ix_cases_master", "master_case_id"),
    )


class CaseEvent(Base):
    """One line of a case's timeline: who, when, from, to, note."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(64), default="系统")
    actor_unit: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")

    __table_args__ = (Index("ix_case_events_case_id", "case_id", "id"),)


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseNumberCounter(Base):
    """Last case number handed out per local day (YYYYMMDD)."""

    __tablename__ = "case_number_counters"
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
