"""Routing's own tables: every time people routed a case differently from the suggestion, and the
cases waiting to be routed in the background.

A row is written when a dispatcher assigns a unit or category other than the suggested one, answers
a case directly under another category, or a case closes under a category other than suggested.
`minsheng router train --from-db` learns from these together with closed cases.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.cases.models import Case
from minsheng.db import Base, UTCDateTime

# The duplicate look-up's access path: open cases of one category in a recent window.
Index("ix_cases_category_created", Case.category_code, Case.created_at)


class RoutingOverride(Base):
    __tablename__ = "routing_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(32))  # assign | answer_directly | close | approve …
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    suggested_category: Mapped[str | None] = mapped_column(String(32))
    chosen_category: Mapped[str | None] = mapped_column(String(32))
    suggested_unit: Mapped[str | None] = mapped_column(String(32))
    chosen_unit: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_routing_overrides_case", "case_id", "id"),)


class RoutingQueue(Base):
    """A new case waiting for the background router (MINSHENG_ROUTING_ASYNC): written in the
    intake's transaction, deleted in the transaction that routes the case (routing/refiner.py)."""

    __tablename__ = "routing_queue"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
