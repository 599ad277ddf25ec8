"""Pydantic shapes of the proposal API: what comes in (validated at the edge) and what goes out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from minsheng.inputs import InputModel

Kind = Literal["suggestion", "proposal"]
ContactMethod = Literal["meeting", "phone", "site_visit"]
NoteKind = Literal["survey", "legal_check", "progress"]
Classification = Literal["A", "B", "C", "D"]
DeliveryMethod = Literal["in_person", "mail", "online"]
Rating = Literal["satisfied", "basically_satisfied", "unsatisfied"]

KIND_LABELS = {"suggestion": "建议", "proposal": "提案"}
METHOD_LABELS = {"meeting": "当面会商", "phone": "电话沟通", "site_visit": "实地走访"}
NOTE_LABELS = {"survey": "实地调研", "legal_check": "合法性审查", "progress": "阶段进展", "opinion": "协办意见",
               "contact": "联系沟通"}
CLASS_LABELS = {"A": "A类（已解决或采纳）", "B": "B类（正在解决或列入计划解决）", "C": "C类（因条件限制留作参考）",
                "D": "D类（说明解释）"}
DELIVERY_LABELS = {"in_person": "当面送达", "mail": "邮寄送达", "online": "网上送达"}
RATING_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


class _In(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CoSigner(_In):
    name: str = Field(min_length=2, max_length=64)
    constituency: str = Field("", max_length=100)


class ProposalCreate(_In):
    kind: Kind
    number: str = Field(min_length=1, max_length=32)
    session_name: str = Field(min_length=4, max_length=100)
    category: str = Field(min_length=2, max_length=32)
    title: str = Field(min_length=4, max_length=200)
    lead_name: str = Field(min_length=2, max_length=64)
    lead_constituency: str = Field(min_length=2, max_length=100)
    co_signers: list[CoSigner] = Field(default_factory=list, max_length=50)
    background: str = Field(min_length=10, max_length=20000)
    demands: str = Field(min_length=4, max_length=20000)


class AssignBody(_In):
    host_unit: str = Field(min_length=1, max_length=32)
    assist_units: list[str] = Field(default_factory=list, max_length=20)
    note: str = Field("", max_length=2000)


class ReasonBody(_In):
    reason: str = Field(min_length=2, max_length=2000)


class NoteOnlyBody(_In):
    note: str = Field("", max_length=2000)


class ContactBody(_In):
    method: ContactMethod
    occurred_on: date
    people: str = Field(min_length=2, max_length=500)
    place: str = Field("", max_length=200)
    content: str = Field(min_length=4, max_length=10000)


class NoteBody(_In):
    kind: NoteKind
    occurred_on: date
    people: str = Field("", max_length=500)
    place: str = Field("", max_length=200)
    content: str = Field(min_length=4, max_length=10000)


class OpinionBody(_In):
    content: str = Field(min_length=4, max_length=10000)


class ReplyBody(_In):
    text: str = Field(min_length=10, max_length=20000)
    classification: Classification


class DeliverBody(_In):
    method: DeliveryMethod


class RateBody(_In):
    rating: Rating
    comment: str = Field("", max_length=2000)


class PublishBody(_In):
    """The public page's text; a field left out takes the system's redacted draft."""

    background: str | None = Field(None, max_length=20000)
    process: str | None = Field(None, max_length=20000)
    result: str | None = Field(None, max_length=20000)
    words: str | None = Field(None, max_length=4000)


class ProposalSummary(BaseModel):
    id: int
    kind: str
    kind_label: str
    number: str
    session_name: str
    category: str
    title: str
    lead_name: str
    lead_constituency: str
    status: str
    status_label: str
    round: int
    host_unit: str | None
    host_unit_name: str | None
    assist_units: list[dict[str, str]]
    overdue: bool
    escalated: bool
    published: bool
    rating: str | None
    created_at: datetime
    assigned_at: datetime | None
    clocks: list[dict[str, Any]]


class ProposalDetail(ProposalSummary):
    co_signers: list[dict[str, str]]
    background: str
    demands: str
    contacted: bool
    signed_at: datetime | None
    first_contact_at: datetime | None
    delivered_at: datetime | None
    closed_at: datetime | None
    rating_comment: str | None
    rated_at: datetime | None
    published_at: datetime | None
    public: dict[str, str | None]
    records: list[dict[str, Any]]
    replies: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    allowed_actions: list[str]


class ProposalPage(BaseModel):
    items: list[ProposalSummary]
    next_cursor: str | None


class ImportRowError(BaseModel):
    row: int
    column: str
    problem: str


class ImportResult(BaseModel):
    imported: int
    ids: list[int]
