"""The Chinese texts of the group's notifications (added to the channels domain's templates)."""

from __future__ import annotations

from minsheng.integrations.notify.templates import TEMPLATES

GROUP_TEMPLATES = {
    "group_joined": ("【{sign}】工单{number}已一键组群，贵单位为{role_label}（牵头：{lead}），"
                     "请于{deadline}前签收：{content}"),
    "group_part_recorded": "【{sign}】工单{number}：协办单位{unit_name}已提交办理意见，请牵头单位汇总后联合答复。",
    "group_mention": "【{sign}】{author}（{author_unit_name}）在工单{number}的组群消息中提到贵单位：{text}",
    "group_leave_requested": "【{sign}】工单{number}：{unit_name}申请退出组群，理由：{reason}。请市中心决定。",
    "group_leave_decided": "【{sign}】工单{number}：市中心{verdict}贵单位退出组群。{note}",
}
for _event, _text in GROUP_TEMPLATES.items():
    TEMPLATES.setdefault(_event, _text)
