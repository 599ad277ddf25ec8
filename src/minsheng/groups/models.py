"""One-click group (一键组群) tables: a case's group, its member units, the thread and read state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.db import Base, JSONType, UTCDateTime

GROUP_STATUSES = ("active", "answered", "closed")  # answered: the lead's joint feedback awaits approval
ROLES = ("lead", "co")


class Group(Base):
    """The units pulled into one case: one lead unit (牵头), co-handling units (协办), one clock."""

    __tablename__ = "case_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    lead_unit: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), default="active")
    formed_by: Mapped[int | None] = mapped_column(Integer)
    formed_by_name: Mapped[str] = mapped_column(String(64), default="")
    formed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the case reached the centre's desk: its receipt, or its last raise to the city level.
    waiting_since: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    # What the one-click proposal offered when the group was formed: {"lead": code, "members": [codes]}.
    proposal: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    joint_text: Mapped[str | None] = mapped_column(Text)
    joint_parts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # the parts it cites
    joint_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joint_by_name: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", order_by="GroupMember.id", lazy="selectin", passive_deletes=True)

    def active_members(self) -> list[GroupMember]:
        return [m for m in self.members if m.left_at is None]

    def member(self, unit_code: str) -> GroupMember | None:
        return next((m for m in self.active_members() if m.unit_code == unit_code), None)


class GroupMember(Base):
    """A unit in a group. Its clocks (sign-for, then its part) start when it joins; they are SLA
    clocks counted against the unit (see groups.clocks)."""

    __tablename__ = "group_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("case_groups.id", ondelete="CASCADE"))
    unit_code: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(8))  # lead | co
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was proposed or added
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    clock_started_at: Mapped[datetime] = mapped_column(UTCDateTime)  # joined, or the case reopened
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_name: Mapped[str | None] = mapped_column(String(64))
    part_text: Mapped[str | None] = mapped_column(Text)  # a co-unit's part; the lead's is the joint feedback
    part_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    part_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    part_by_name: Mapped[str | None] = mapped_column(String(64))
    leave_reason: Mapped[str | None] = mapped_column(Text)
    leave_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leave_status: Mapped[str | None] = mapped_column(String(10))  # pending | approved | refused
    leave_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leave_decided_by_name: Mapped[str | None] = mapped_column(String(64))
    leave_note: Mapped[str | None] = mapped_column(Text)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[Group] = relationship(back_populates="members")

    __table_args__ = (
        UniqueConstraint("group_id", "unit_code"),
        Index("ix_group_members_unit_left", "unit_code", "left_at"),
    )


class GroupMessage(Base):
    """One message of a group's thread: text, @mentioned units, attachments of the case."""

    __tablename__ = "group_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("case_groups.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(Integer)
    author_name: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # [{id, filename}]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_group_messages_group_id", "group_id", "id"),)


class MessageRead(Base):
    """How far each unit has read a group's thread (the last message id it has seen)."""

    __tablename__ = "group_message_reads"

    group_id: Mapped[int] = mapped_column(ForeignKey("case_groups.id", ondelete="CASCADE"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_read_id: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
