"""Pydantic shapes of the case API: what comes in (validated at the edge) and what goes out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from minsheng.inputs import InputModel

Channel = Literal["12345", "110", "app", "web", "open311", "walk_in"]
Rating = Literal["satisfied", "basically_satisfied", "unsatisfied"]
RATING_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


class CaseCreate(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: Channel
    content: str = Field(min_length=2, max_length=4000)
    address: str = Field("", max_length=300)
    citizen_name: str | None = Field(None, max_length=64)
    citizen_phone: str | None = Field(None, max_length=32, pattern=r"^\+?[0-9][0-9\- ]{2,30}$")
    lng: float | None = Field(None, ge=73, le=136)
    lat: float | None = Field(None, ge=3, le=54)
    category: str | None = Field(None, max_length=32)
    town: str | None = Field(None, max_length=12)
    village: str | None = Field(None, max_length=12)
    priority: int = Field(0, ge=0, le=2)
    source_system: str | None = Field(None, max_length=32)
    source_id: str | None = Field(None, max_length=128)


class ActionBody(InputModel):
    """Fields an action may need: unit for assign, reason for return, text for feedback, …"""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    unit: str | None = Field(None, max_length=32)
    reason: str | None = Field(None, max_length=2000)
    text: str | None = Field(None, max_length=4000)
    team: str | None = Field(None, max_length=32)
    rating: Rating | None = None
    comment: str | None = Field(None, max_length=2000)
    master_case_id: int | None = Field(None, ge=1, le=2_147_483_647)
    public_answer: str | None = Field(None, max_length=4000)
    note: str | None = Field(None, max_length=2000)
    category: str | None = Field(None, max_length=32)


class CaseCreated(BaseModel):
    id: int
    number: str
    status: str


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    action: str
    from_status: str | None
    to_status: str | None
    actor_name: str
    actor_unit: str | None
    note: str
    data: dict[str, Any]


class CaseSummary(BaseModel):
    id: int
    number: str
    channel: str
    status: str
    status_label: str
    content: str
    address: str
    category: str | None
    category_name: str | None
    town: str | None
    village: str | None
    unit: str | None
    unit_name: str | None
    track: str
    priority: int
    level: str
    suspended: bool
    escalated: bool
    overdue: bool
    merged: bool
    master_case_id: int | None
    citizen_name: str | None
    citizen_phone: str | None
    created_at: datetime
    updated_at: datetime
    dispatched_at: datetime | None = None  # when a duty team was sent (its task card)
    clocks: list[dict[str, Any]] = []


class CaseDetail(CaseSummary):
    source_system: str | None
    source_id: str | None
    lng: float | None
    lat: float | None
    team: str | None
    group_id: int | None
    command_unit: str | None
    feedback_text: str | None
    public_answer: str | None
    rating: str | None
    rating_comment: str | None
    reopen_count: int
    assigned_at: datetime | None
    signed_at: datetime | None
    arrived_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    rated_at: datetime | None
    suggestions: dict[str, Any] | None
    allowed_actions: list[str]
    timeline: list[EventOut]
    attachments: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None


class ContactOut(BaseModel):
    citizen_name: str | None
    citizen_phone: str | None


class RatingIn(BaseModel):
    rating: Rating
    comment: str | None = Field(None, max_length=2000)

    @field_validator("comment")
    @classmethod
    def _strip(cls, v: str | None) -> str | None:
        return v.strip() if v else v
