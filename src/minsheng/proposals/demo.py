"""Demo suggestions and proposals for `minsheng demo`: a handful in every state, taken through the real
services at past times, so that the staff pages, the public tracking pages and the typical cases
have something to show. Runs once (skipped when any proposal exists)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.clock import SHANGHAI
from minsheng.db import Database
from minsheng.directory.actors import Actor
from minsheng.directory.models import Unit
from minsheng.proposals import clockwork, handling, publication, replies, service
from minsheng.proposals.models import Proposal
from minsheng.proposals.schemas import (
    AssignBody,
    ContactBody,
    DeliverBody,
    NoteBody,
    NoteOnlyBody,
    OpinionBody,
    ProposalCreate,
    PublishBody,
    RateBody,
    ReplyBody,
)
from minsheng.publishing import service as typical

DAY = timedelta(days=1)


def _actor(session: Session, role: str, unit: str, name: str) -> Actor:
    row = session.get(Unit, unit)
    assert row is not None, unit
    return Actor(None, f"demo-{role}-{unit}", name, role, row.code, row.path, row.level)


def _day(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


def _create(session: Session, actor: Actor, at: datetime, **fields: Any) -> int:
    return service.do_create_proposal(session, ProposalCreate(**fields), actor, now=at).id


def seed_demo(db: Database, now: datetime, log: Callable[[str], None] = print) -> int:
    """Create the demo proposals; the number created (0 when there were already some)."""
    with db.session() as s:
        if (s.scalar(select(func.count()).select_from(Proposal)) or 0) > 0:
            return 0
        if s.get(Unit, "ZJJ") is None:  # another city's configuration: nothing to pretend
            return 0
        centre = _actor(s, "city_dispatcher", "SZZX", "市中心派单员 李建国")
        sup = _actor(s, "supervisor", "SZZX", "督办员 赵静")
        editor = _actor(s, "editor", "SZZX", "编辑 吴倩")
        boss = _actor(s, "leader", "SZZX", "领导 孙海")
        zjj = _actor(s, "handler", "ZJJ", "住建局承办人 张伟")
        zjj_ld = _actor(s, "leader", "ZJJ", "住建局领导 钱明")
        zfj = _actor(s, "handler", "ZFJ", "综合执法局承办人 刘洋")
        zfj_ld = _actor(s, "leader", "ZFJ", "综合执法局领导 何军")
        jtj = _actor(s, "handler", "JTJ", "交通运输局承办人 徐斌")
        jtj_ld = _actor(s, "leader", "JTJ", "交通运输局领导 孔亮")
        slj = _actor(s, "handler", "SLJ", "水利局承办人 蒋涛")
        year = _day(now).year
        npc, cppcc = f"{year}年市人大十七届六次会议", f"{year}年市政协十一届五次会议"
        t = lambda days: now - days * DAY  # noqa: E731

        # 1. closed, satisfied, published, and a typical case
        p1 = _create(s, centre, t(120), kind="suggestion", number="12", session_name=npc, category="城乡建设",
                     title="关于加快老旧小区加装电梯的建议", lead_name="沈建华", lead_constituency="当湖街道代表团",
                     co_signers=[{"name": "陆美芳", "constituency": "当湖街道代表团"}],
                     background="当湖街道多个老旧小区建于上世纪九十年代，六层无电梯，老年住户上下楼困难，加装意愿强烈。",
                     demands="一是简化加装电梯审批流程；二是提高财政补助；三是协调低层住户意见。")
        service.do_assign(s, p1, AssignBody(host_unit="ZJJ", assist_units=["ZFJ"]), centre, now=t(118))
        service.do_sign(s, p1, NoteOnlyBody(), zjj, now=t(116))
        handling.do_record_contact(s, p1, ContactBody(
            method="meeting", occurred_on=_day(t(105)), people="沈建华代表、住建局副局长王建国", place="市住建局会议室",
            content="当面听取沈建华代表意见，介绍现行补助政策，商定先行试点三个小区。"), zjj, now=t(105))
        opinion = OpinionBody(content="施工期间的临时占道由我局开辟审批绿色通道。")
        handling.do_add_opinion(s, p1, opinion, zfj, now=t(100))
        handling.do_add_note(s, p1, NoteBody(kind="survey", occurred_on=_day(t(95)), place="当湖街道金桥小区",
                                             content="实地查看三个试点小区的楼道、管线和场地。"), zjj, now=t(95))
        replies.do_draft_reply(s, p1, ReplyBody(classification="A", text=(
            "经研究，我局会同财政部门修订了加装电梯补助办法：每台补助提高到二十万元，审批改为联合审查一次办结；"
            "金桥等三个小区的五台电梯已开工。")), zjj, now=t(60))
        replies.do_approve_reply(s, p1, NoteOnlyBody(), zjj_ld, now=t(58))
        replies.do_deliver(s, p1, DeliverBody(method="in_person"), zjj, now=t(57))
        replies.do_rate(s, p1, RateBody(rating="satisfied", comment="住建局上门听取意见，办理认真，措施实在。"),
                        centre, now=t(50))
        publication.do_publish(s, p1, PublishBody(), editor, now=t(45))
        tc = typical.do_nominate(s, typical.NominateBody(source_kind="proposal", source_id=p1,
                                                         reason="加装电梯惠及面广，办理过程完整"), sup, now=t(40))
        typical.do_write(s, tc.id, typical.WriteBody(title="老旧小区加装电梯按下“快进键”", body=tc.proposed_body),
                         editor, now=t(38))
        typical.do_submit(s, tc.id, typical.EmptyBody(), editor, now=t(38))
        typical.do_approve(s, tc.id, typical.EmptyBody(), boss, now=t(35))

        # 2. delivered and published, the member's rating still to come
        p2 = _create(s, centre, t(110), kind="proposal", number="3", session_name=cppcc, category="城市管理",
                     title="关于规范夜间施工噪声管理的提案", lead_name="民盟平湖市委会", lead_constituency="民盟",
                     background="部分工地夜间施工噪声扰民，群众投诉较多，夜间施工许可和巡查存在空档。",
                     demands="严格夜间施工许可，建立噪声投诉快速处置机制。")
        service.do_assign(s, p2, AssignBody(host_unit="ZFJ"), centre, now=t(108))
        service.do_sign(s, p2, NoteOnlyBody(), zfj, now=t(107))
        handling.do_record_contact(s, p2, ContactBody(
            method="phone", occurred_on=_day(t(100)), people="民盟平湖市委会联系人", content="电话听取提案意见。"),
            zfj, now=t(100))
        replies.do_draft_reply(s, p2, ReplyBody(classification="B", text=(
            "我局已将夜间施工纳入重点巡查，联合住建部门收紧夜间施工许可，投诉两小时内到场处置。")), zfj, now=t(40))
        replies.do_approve_reply(s, p2, NoteOnlyBody(), zfj_ld, now=t(39))
        replies.do_deliver(s, p2, DeliverBody(method="mail"), zfj, now=t(38))
        publication.do_publish(s, p2, PublishBody(), editor, now=t(30))

        # 3. 不满意: a second handling whose contact is overdue
        p3 = _create(s, centre, t(130), kind="suggestion", number="27", session_name=npc, category="交通出行",
                     title="关于优化乍浦至城区公交线路的建议", lead_name="顾志强", lead_constituency="乍浦镇代表团",
                     background="乍浦镇至城区公交班次少、末班车早，通勤群众出行不便。",
                     demands="增加高峰班次，延长末班车时间。")
        service.do_assign(s, p3, AssignBody(host_unit="JTJ"), centre, now=t(128))
        service.do_sign(s, p3, NoteOnlyBody(), jtj, now=t(127))
        handling.do_record_contact(s, p3, ContactBody(
            method="site_visit", occurred_on=_day(t(120)), people="顾志强代表", place="乍浦镇公交站",
            content="陪同代表实地走访站点，听取乘客意见。"), jtj, now=t(120))
        reply = ReplyBody(classification="C", text="受运力和财政补贴所限，暂按现有班次运营，待明年调整。")
        replies.do_draft_reply(s, p3, reply, jtj, now=t(70))
        replies.do_approve_reply(s, p3, NoteOnlyBody(), jtj_ld, now=t(69))
        replies.do_deliver(s, p3, DeliverBody(method="in_person"), jtj, now=t(68))
        replies.do_rate(s, p3, RateBody(rating="unsatisfied", comment="高峰时段问题突出，希望先增开高峰班次。"),
                        centre, now=t(60))

        # 4. assigned 26 days ago: the contact clock warns
        p4 = _create(s, centre, t(27), kind="suggestion", number="35", session_name=npc, category="生态环境",
                     title="关于加强上海塘河道保洁的建议", lead_name="朱丽萍", lead_constituency="新埭镇代表团",
                     background="上海塘部分河段漂浮物较多，影响水质和沿岸居民生活。",
                     demands="加密保洁频次，落实河长巡河。")
        service.do_assign(s, p4, AssignBody(host_unit="SLJ", assist_units=["NYJ"]), centre, now=t(26))
        service.do_sign(s, p4, NoteOnlyBody(), slj, now=t(25))

        # 5. just registered, waiting for assignment
        _create(s, centre, t(2), kind="proposal", number="41", session_name=cppcc, category="社会事业",
                title="关于发展社区嵌入式养老服务的提案", lead_name="林晓东",
                lead_constituency="社会福利和社会保障界", background="老年人口比例持续上升，社区养老服务设施不足。",
                demands="利用闲置用房建设嵌入式养老服务站点。")
        counts = clockwork.do_fire_due_clocks(s, now=now)
    log(f"已生成 5 件演示建议提案（2 件已公开、1 件典型案例）；时限预警 {counts['warned']} 条、"
        f"超时督办 {counts['breached']} 条")
    return 5
