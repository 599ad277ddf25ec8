"""Chinese labels for codes shown in the console (pure)."""

from __future__ import annotations

from minsheng.cases.present import STATUS_LABELS

ROLE_LABELS = {
    "call_taker": "话务员", "city_dispatcher": "市中心派单员", "town_dispatcher": "镇街道分中心",
    "handler": "承办人", "team_member": "队员", "supervisor": "督办", "leader": "领导",
    "integration": "集成客户端", "admin": "管理员", "editor": "编辑",
}
CHANNEL_LABELS = {"12345": "12345热线", "110": "110转办", "app": "网格App", "web": "网站", "open311": "Open311",
                  "walk_in": "来访"}
TRACK_LABELS = {"fast": "民声一键办", "urgent": "紧急", "normal": "一般", "consult": "咨询", "proposal": "建议提案"}
LEVEL_LABELS = {"village": "村社", "town": "镇街道", "city": "市级"}
TEAM_STATUS_LABELS = {"on_duty": "在岗待命", "en_route": "赶赴途中", "on_site": "现场处置", "off_duty": "不在岗"}
SHIFT_ROLE_LABELS = {"leader": "队长", "member": "队员", "driver": "驾驶员"}
STAGE_LABELS = {"sign": "签收", "dispatch": "派驻力量", "contact": "联系代表委员", "feedback": "反馈"}
CLOCK_STATE_LABELS = {"ok": "正常", "warning": "预警", "overdue": "超时", "paused": "暂停", "met": "按时完成",
                      "missed": "超时完成", "cancelled": "已取消"}
RATING_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
ACTION_LABELS = {
    "create": "受理", "answer_directly": "直接答复", "assign": "派单", "return": "退单", "sign": "签收",
    "dispatch_team": "派遣队伍", "arrive": "到达现场", "feedback": "反馈结果", "approve": "审核办结",
    "reject": "退回重办", "close": "结案", "callback": "回访", "reopen": "重新办理", "suspend": "挂起",
    "resume": "恢复", "escalate": "提级", "merge": "合并重复件", "attach": "上传附件",
    "route": "智能分拨", "view_contact": "查看联系方式", "review_requested": "群众申请复核",
    "review_upheld": "复核维持办结", "extension_request": "申请延期", "extend": "同意延期",
    "extension_rejected": "不同意延期",
}
# the case page's message log: notifications and hand-backs by event
MESSAGE_LABELS = {
    "case_accepted": "受理短信（群众）", "case_answered": "办结短信（群众）", "case_assigned": "派单通知",
    "case_reopened": "重办通知", "sla_warning": "超时预警", "sla_breach": "超时提级通知",
    "review_requested": "复核申请通知", "sla_extension_requested": "延期申请通知",
    "sla_extension_approved": "延期批准通知", "sla_extension_rejected": "延期未批准通知",
    "case.closed": "办结结果回传（来源系统）", "case.updated": "办理进展回传（来源系统）", "webhook": "回传来源系统",
    "notify": "通知",
}
REVIEW_STATUS_LABELS = {"open": "待复核", "upheld": "已维持办结", "reopened": "已重新办理"}
SYSTEM_LABELS = {"12345": "12345热线", "110": "110转办", "open311": "Open311"}
# the console's form and address fields, for messages about a value that is missing or wrong
FIELD_LABELS = {
    "case_id": "案件编号", "master_case_id": "主案件编号", "shift_id": "班次编号", "unit": "单位", "note": "备注",
    "reason": "理由", "text": "内容", "content": "诉求内容", "address": "地址", "category": "诉求类别",
    "rating": "满意度", "comment": "回访记录", "public_answer": "公开答复", "member_name": "成员姓名",
    "starts_at": "开始时间", "ends_at": "结束时间", "role": "岗位", "status": "状态", "approve": "审批意见",
    "file": "文件", "username": "用户名", "password": "密码", "town": "镇街道", "track": "时限类型", "number": "编号",
}
QUEUE_COLUMNS = {"received": "新诉求（待派单）", "assigned": "待签收", "progress": "办理中", "overdue": "已超时"}


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, f"字段 {field}")


__all__ = ["STATUS_LABELS"]
