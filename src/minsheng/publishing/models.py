"""Typical cases (典型案例): a closed citizen case or a proposal, rewritten for the public."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db import Base, UTCDateTime


class TypicalCase(Base):
    __tablename__ = "typical_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_kind: Mapped[str] = mapped_column(String(16))  # case | proposal
    source_id: Mapped[int] = mapped_column(Integer)
    source_ref: Mapped[str] = mapped_column(String(64))  # the case number or the proposal's number, for staff
    status: Mapped[str] = mapped_column(String(16))  # nominated | drafted | submitted | published | withdrawn
    reason: Mapped[str] = mapped_column(Text)  # why the supervisor nominated it
    topic: Mapped[str] = mapped_column(String(100), default="")  # category or proposal type, shown publicly
    unit_name: Mapped[str] = mapped_column(String(100), default="")  # the handling unit, shown publicly
    proposed_title: Mapped[str] = mapped_column(String(200))  # the system's redacted draft
    proposed_body: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(200), default="")  # the editor's public version
    body: Mapped[str] = mapped_column(Text, default="")
    return_reason: Mapped[str | None] = mapped_column(Text)
    nominated_by_name: Mapped[str] = mapped_column(String(64))
    edited_by_name: Mapped[str | None] = mapped_column(String(64))
    approved_by_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("source_kind", "source_id", name="uq_typical_cases_source"),
        Index("ix_typical_cases_status", "status", "published_at"),
    )


class TypicalCaseEvent(Base):
    __tablename__ = "typical_case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    typical_case_id: Mapped[int] = mapped_column(ForeignKey("typical_cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
