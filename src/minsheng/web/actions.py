"""How each workflow action is asked for in the console: its label and the fields of its form.

Which buttons a user sees comes from `cases.service.allowed_for` (the workflow and the user's
role and unit); this table only says how to ask for each action's input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from minsheng.cases.schemas import ActionBody
from minsheng.errors import InvalidField
from minsheng.validation_text import field_name, problem_text
from minsheng.web.labels import ACTION_LABELS, field_label


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text | textarea | unit | category | rating | number
    required: bool = False


@dataclass(frozen=True)
class ActionForm:
    action: str
    fields: tuple[Field, ...] = ()
    style: str = ""  # primary | go | danger
    # a second step before an action that cannot be taken back (closing, raising the level), even
    # when none of its fields is required: the form shows them, and "确认…" takes the action
    confirm: bool = False

    @property
    def label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def one_click(self) -> bool:
        return not self.confirm and not any(f.required for f in self.fields) and self.action != "dispatch_team"


NOTE = Field("note", "备注")
FORMS = {f.action: f for f in (
    ActionForm("sign", (NOTE,), "go"),
    ActionForm("assign", (Field("unit", "承办单位", "unit", True), Field("category", "诉求类别", "category"), NOTE),
               "primary"),
    ActionForm("dispatch_team", (), "go"),
    ActionForm("arrive", (NOTE,), "go"),
    ActionForm("feedback", (Field("text", "处置结果", "textarea", True),), "primary"),
    ActionForm("approve", (Field("public_answer", "公开答复（默认用处置结果，办结后发送给群众）", "textarea"), NOTE),
               "go", confirm=True),
    ActionForm("reject", (Field("reason", "退回重办理由", "textarea", True),), "danger"),
    ActionForm("answer_directly",
               (Field("text", "答复内容", "textarea", True), Field("category", "诉求类别", "category")), "primary"),
    ActionForm("return", (Field("reason", "退单理由", "textarea", True),), "danger"),
    ActionForm("close", (Field("reason", "结案理由", "textarea", True),), "danger"),
    ActionForm("callback", (Field("rating", "满意度", "rating", True), Field("comment", "回访记录", "textarea"))),
    ActionForm("reopen", (Field("reason", "重新办理理由", "textarea", True),), "danger"),
    ActionForm("suspend", (Field("reason", "挂起理由（计时暂停）", "textarea", True),)),
    ActionForm("resume", ()),
    ActionForm("escalate", (Field("reason", "提级理由", "textarea"),), "danger", confirm=True),
    ActionForm("merge", (Field("master_case_id", "主案件（案件编号或 ID）", "number", True),)),
)}


def form_for(action: str) -> ActionForm:
    return FORMS.get(action, ActionForm(action))


def action_body(form: dict[str, Any]) -> ActionBody:
    """The non-empty known fields of a submitted form as an ActionBody (422 names the field)."""
    known = set(ActionBody.model_fields)
    data = {k: v for k, v in form.items() if k in known and isinstance(v, str) and v.strip()}
    try:
        return ActionBody.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = field_name(err["loc"])
        raise InvalidField(field, f"{field_label(field)}：{problem_text(err)}") from None
