"""One Chinese message template per notification event (pure).

Fields come from the outbox payload's params, completed with the case's own fields at delivery.
A field that is missing renders as empty text rather than failing the delivery.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from minsheng.clock import SHANGHAI, as_utc

TEMPLATES: dict[str, str] = {
    # to citizens
    "case_accepted": "【{sign}】您反映的诉求已受理，编号{number}。凭编号和手机号后四位可查询办理进度：{link}",
    "case_answered": "【{sign}】您反映的诉求（编号{number}）已办结：{answer}。请对办理结果进行评价：{link}",
    # to staff
    "case_assigned": "【{sign}】新工单{number}已派至{unit_name}，请及时签收：{content}（{address}）",
    "case_reopened": "【{sign}】工单{number}经复核重新办理，请及时签收：{content}（{address}）",
    "sla_warning": "【{sign}】预警：工单{number}「{stage_label}」将于{deadline}到期，请抓紧办理。",
    "sla_breach": "【{sign}】超时：工单{number}「{stage_label}」已超过时限（{deadline}），已提级督办。",
    "review_requested": "【{sign}】群众对工单{number}的办理结果{rating_label}，请市中心复核：{comment}",
    "sla_extension_requested": "【{sign}】工单{number}申请「{stage_label}」延期至{requested_until}，请审批：{reason}",
    "sla_extension_approved": "【{sign}】工单{number}「{stage_label}」延期已批准，新时限{requested_until}。",
    "sla_extension_rejected": "【{sign}】工单{number}「{stage_label}」延期未获批准，请按原时限办理。",
    # proposals (人大代表建议、政协委员提案)
    "proposal_assigned": "【{sign}】建议提案第{number}号《{title}》已交办贵单位{role_label}，"
                         "请按时联系代表委员并书面答复。",
    "proposal_returned": "【{sign}】建议提案第{number}号申请调整：{reason}，请重新交办。",
    "proposal_reply_for_approval": "【{sign}】建议提案第{number}号《{title}》的答复已拟好，请审批。",
    "proposal_reply_delivered": "【{sign}】建议提案第{number}号《{title}》已答复代表委员，请征询其意见。",
    "proposal_reopened": "【{sign}】代表委员对建议提案第{number}号的答复不满意，请开展第{round}轮办理。",
    "proposal_sla_warning": "【{sign}】预警：建议提案第{number}号《{title}》「{stage_label}」将于{deadline}到期。",
    "proposal_sla_breach": "【{sign}】超时：建议提案第{number}号《{title}》「{stage_label}」已超过时限（{deadline}），"
                           "已提交督办。",
}
GENERIC = "【{sign}】工单{number}有新动态（{event}）。"
STAGE_LABELS = {"sign": "签收", "dispatch": "派遣到场", "arrive": "到达现场", "feedback": "反馈结果",
                "reply": "答复", "proposal_reply": "提案答复", "contact": "联系代表委员"}
RATING_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
SHORT = 40


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def shorten(value: str | None, limit: int = SHORT) -> str:
    text = " ".join((value or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def local_time(value: Any) -> str:
    """An ISO string or datetime as Shanghai wall time, e.g. 11月25日 09:05."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime):
        return as_utc(value).astimezone(SHANGHAI).strftime("%m月%d日 %H:%M").lstrip("0")
    return ""


def render(event: str, params: dict[str, Any], *, sign: str = "民声一键办") -> str:
    fields = _Fields(params)
    fields["sign"] = sign
    fields["event"] = event
    for key in ("content", "answer", "comment"):
        if key in fields:
            fields[key] = shorten(str(fields[key]))
    if not fields.get("stage_label"):
        fields["stage_label"] = STAGE_LABELS.get(str(fields.get("stage", "")), str(fields.get("stage", "")))
    deadline = fields.get("deadline") or fields.get("due_at")
    fields["deadline"] = local_time(deadline) if deadline else ""
    if fields.get("rating") and not fields.get("rating_label"):
        fields["rating_label"] = RATING_LABELS.get(str(fields["rating"]), str(fields["rating"]))
    return TEMPLATES.get(event, GENERIC).format_map(fields)
