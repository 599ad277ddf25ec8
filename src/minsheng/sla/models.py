"""SLA tables: each stage clock of a case, the timers that fire warnings and breaches, and
extension requests (延期申请).

Clock rows mirror `policy.StageClock` and are rewritten by the transition listener in the case
action's transaction; timers are rows the worker claims (FOR UPDATE SKIP LOCKED) and fires once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db import Base, UTCDateTime


class SlaClock(Base):
    __tablename__ = "sla_clocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))  # policy.StageClock.key: stage:unit:round
    stage: Mapped[str] = mapped_column(String(16))
    round: Mapped[int] = mapped_column(Integer, default=1)
    unit_code: Mapped[str | None] = mapped_column(String(32))  # the unit the clock counts against
    town_code: Mapped[str | None] = mapped_column(String(12))
    track: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_day: Mapped[date] = mapped_column(Date)  # started_at's day in the city's timezone
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    limit_seconds: Mapped[float] = mapped_column(Float)
    remaining_seconds: Mapped[float] = mapped_column(Float)  # as of updated_at (frozen while paused)
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    state: Mapped[str] = mapped_column(String(12))  # policy.ClockState as of updated_at
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("case_id", "key", name="uq_sla_clocks_case_key"),
        Index("ix_sla_clocks_local_day", "local_day"),
        Index("ix_sla_clocks_running", "case_id", "stopped_at"),
    )


class SlaTimer(Base):
    """One warning or breach to fire at due_at. fired_at is set in the transaction that fires it."""

    __tablename__ = "sla_timers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("sla_clocks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # warn | breach
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fired_by: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_sla_timers_pending", "due_at", postgresql_where=text("fired_at IS NULL"),
              sqlite_where=text("fired_at IS NULL")),
    )


class ExtensionRequest(Base):
    """延期申请: the handling unit asks for more time on one stage; the centre decides."""

    __tablename__ = "sla_extension_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    clock_key: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    requested_until: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_before: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[int | None] = mapped_column(Integer)
    requested_by_name: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str | None] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | approved | rejected
    granted_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_by_name: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_sla_extension_requests_status", "status", "requested_at"),)
