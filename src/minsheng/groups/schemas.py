"""Pydantic shapes of the group API (validated at the edge)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from minsheng.inputs import InputModel


class _In(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class GroupForm(_In):
    """POST /api/v1/cases/{id}/group: the lead unit and the co-handling units, as confirmed."""

    lead: str = Field(min_length=1, max_length=32)
    members: list[str] = Field(default_factory=list, max_length=12)
    note: str | None = Field(None, max_length=2000)


class PartIn(_In):
    text: str = Field(min_length=2, max_length=2000)


class JointFeedbackIn(_In):
    text: str = Field(min_length=2, max_length=2000)


class LeaveIn(_In):
    reason: str = Field(min_length=2, max_length=1000)


class LeaveDecisionIn(_In):
    approve: bool
    note: str | None = Field(None, max_length=1000)


class MemberIn(_In):
    unit: str = Field(min_length=1, max_length=32)
    reason: str | None = Field(None, max_length=1000)


class MessageIn(_In):
    text: str = Field(min_length=1, max_length=2000)
    mentions: list[str] = Field(default_factory=list, max_length=20)
    attachments: list[int] = Field(default_factory=list, max_length=10)


class ReadIn(_In):
    up_to: int | None = Field(None, ge=0)
