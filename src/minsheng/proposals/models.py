"""Deputies' suggestions and CPPCC proposals: the proposal, its units, handling records, replies,
clocks, timeline and attachments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db import Base, JSONType, UTCDateTime

KINDS = {"suggestion": "建议", "proposal": "提案"}


class Proposal(Base):
    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # suggestion (人大代表建议) | proposal (政协委员提案)
    number: Mapped[str] = mapped_column(String(32))
    session_name: Mapped[str] = mapped_column(String(100))  # 2025年市人大十七届五次会议
    category: Mapped[str] = mapped_column(String(32))  # 类型: 城乡建设, 社会事业, …
    title: Mapped[str] = mapped_column(String(200))
    lead_name: Mapped[str] = mapped_column(String(64))
    lead_constituency: Mapped[str] = mapped_column(String(100))  # 代表团 (deputy) or 界别 (member)
    co_signers: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    background: Mapped[str] = mapped_column(Text, default="")
    demands: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    round: Mapped[int] = mapped_column(Integer, default=1)
    contacted: Mapped[bool] = mapped_column(Boolean, default=False)  # in the current round
    replied_once: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    host_unit_code: Mapped[str | None] = mapped_column(String(32))
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[str | None] = mapped_column(String(24))  # of the latest delivered reply
    rating_comment: Mapped[str | None] = mapped_column(Text)
    public_background: Mapped[str | None] = mapped_column(Text)
    public_process: Mapped[str | None] = mapped_column(Text)
    public_result: Mapped[str | None] = mapped_column(Text)
    public_words: Mapped[str | None] = mapped_column(Text)  # 代表感言 / 委员感言
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual | import
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # in the current round
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("kind", "session_name", "number", name="uq_proposals_number"),
        Index("ix_proposals_status_id", "status", "id"),
        Index("ix_proposals_host", "host_unit_code", "status"),
        Index("ix_proposals_published", "published", "session_name"),
    )


class ProposalUnit(Base):
    """A unit handling a proposal: the host (主办) or an assisting unit (协办)."""

    __tablename__ = "proposal_units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # host | assist

    __table_args__ = (UniqueConstraint("proposal_id", "unit_code", name="uq_proposal_units_unit"),)


class ProposalRecord(Base):
    """One line of the handling record: a contact with the proposer, a site survey, a legal
    check, an interim progress note, or an assisting unit's opinion."""

    __tablename__ = "proposal_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(16))  # contact | survey | legal_check | progress | opinion
    method: Mapped[str | None] = mapped_column(String(16))  # contacts: meeting | phone | site_visit
    occurred_on: Mapped[date] = mapped_column(Date)
    people: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text)
    unit_code: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[int | None] = mapped_column(Integer)
    recorded_by_name: Mapped[str] = mapped_column(String(64), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_proposal_records_proposal", "proposal_id", "id"),)


class ProposalReply(Base):
    """The host unit's written reply of one handling round, its approval, delivery and rating."""

    __tablename__ = "proposal_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    classification: Mapped[str] = mapped_column(String(1))  # A solved | B being solved | C later | D explained
    status: Mapped[str] = mapped_column(String(16))  # draft | approved | delivered
    drafted_by_name: Mapped[str] = mapped_column(String(64), default="")
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by_name: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str | None] = mapped_column(Text)
    delivery_method: Mapped[str | None] = mapped_column(String(16))  # in_person | mail | online
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[str | None] = mapped_column(String(24))  # satisfied | basically_satisfied | unsatisfied
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("proposal_id", "round", name="uq_proposal_replies_round"),)


class ProposalClock(Base):
    """A running deadline, as a row: survives restarts; the sweep fires its warning and breach once."""

    __tablename__ = "proposal_clocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(16))  # sign | contact | feedback
    unit_code: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_proposal_clocks_running", "stopped_at", "cancelled", "warn_at"),)


class ProposalEvent(Base):
    """The proposal's timeline: who, when, from, to, note."""

    __tablename__ = "proposal_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    round: Mapped[int] = mapped_column(Integer, default=1)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(64), default="系统")
    actor_unit: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    __table_args__ = (Index("ix_proposal_events_proposal", "proposal_id", "id"),)


class ProposalAttachment(Base):
    __tablename__ = "proposal_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
