"""How each proposal action is asked for in the console: label, style, the form's fields, the body
it becomes and the service function it calls. Which actions show comes from `service.allowed_for`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from minsheng.errors import InvalidField, NotFound
from minsheng.proposals import handling, publication, replies, service
from minsheng.proposals.schemas import (
    AssignBody,
    ContactBody,
    DeliverBody,
    NoteBody,
    NoteOnlyBody,
    OpinionBody,
    PublishBody,
    RateBody,
    ReasonBody,
    ReplyBody,
)
from minsheng.proposals.workflow import ACTION_LABELS
from minsheng.validation_text import problem_text

FIELD_LABELS = {
    "host_unit": "主办单位", "assist_units": "协办单位", "note": "备注", "reason": "理由", "method": "方式",
    "occurred_on": "日期", "people": "参加人员", "place": "地点", "content": "内容", "kind": "类型",
    "text": "答复正文", "classification": "办理结果分类", "rating": "评价", "comment": "代表委员意见",
    "background": "背景", "process": "办理过程", "result": "办理结果", "words": "感言",
}


@dataclass(frozen=True)
class ActionForm:
    action: str
    body: type[BaseModel]
    do: Callable[..., Any]
    style: str = ""
    one_click: bool = False

    @property
    def label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


FORMS = {f.action: f for f in (
    ActionForm("assign", AssignBody, service.do_assign, "primary"),
    ActionForm("return", ReasonBody, service.do_return, "danger"),
    ActionForm("sign", NoteOnlyBody, service.do_sign, "go", one_click=True),
    ActionForm("record_contact", ContactBody, handling.do_record_contact, "primary"),
    ActionForm("add_note", NoteBody, handling.do_add_note),
    ActionForm("add_opinion", OpinionBody, handling.do_add_opinion, "primary"),
    ActionForm("draft_reply", ReplyBody, replies.do_draft_reply, "primary"),
    ActionForm("approve_reply", NoteOnlyBody, replies.do_approve_reply, "go", one_click=True),
    ActionForm("return_reply", ReasonBody, replies.do_return_reply, "danger"),
    ActionForm("deliver", DeliverBody, replies.do_deliver, "go"),
    ActionForm("rate", RateBody, replies.do_rate, "primary"),
    ActionForm("publish", PublishBody, publication.do_publish, "go"),
    ActionForm("unpublish", ReasonBody, publication.do_unpublish, "danger"),
)}


def form_for(action: str) -> ActionForm:
    if action not in FORMS:
        raise NotFound(f"未知操作 {action}")
    return FORMS[action]


def body_from(form: ActionForm, data: FormData) -> BaseModel:
    """The submitted form as the action's body; blank fields are left out (422 names the field)."""
    values: dict[str, Any] = {}
    for name in form.body.model_fields:
        if name == "assist_units":
            values[name] = [v for v in data.getlist(name) if isinstance(v, str) and v]
            continue
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            values[name] = value
    try:
        return form.body.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "-"
        label = FIELD_LABELS.get(field, field)
        raise InvalidField(field, f"{label}：{problem_text(err)}") from None
