"""The public tracking page (议案提案 办理追踪): the system drafts it from the record, redacted; an
editor or supervisor of the centre corrects and publishes it.

Structure, as in the local paper's column: 【建议/提案】title, 【领衔代表/反映人】 the proposer and
public role, 【背景】, 【办理过程】, 【办理结果】, 【代表感言/委员感言】. Nothing about a person beyond
the proposer's (and co-signers') public role is shown: the people met, phone numbers and house
numbers in the handling record are removed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.clock import utcnow
from minsheng.directory.actors import Actor
from minsheng.directory.models import Unit
from minsheng.errors import InvalidField
from minsheng.proposals import queries
from minsheng.proposals import workflow as wf
from minsheng.proposals.models import Proposal, ProposalRecord
from minsheng.proposals.schemas import METHOD_LABELS, NOTE_LABELS, PublishBody, ReasonBody
from minsheng.proposals.service import act
from minsheng.publishing.redaction import looks_like_name, redact_text

COLUMN = {
    "suggestion": {"item": "建议", "lead": "领衔代表", "words": "代表感言", "role": "市人大代表",
                   "co": "联名代表"},
    "proposal": {"item": "提案", "lead": "反映人", "words": "委员感言", "role": "市政协委员", "co": "联名委员"},
}
_TITLE_WORDS = re.compile(r"^.*(局长|主任|书记|科长|处长|镇长|街道办|代表|委员|同志|经理|干部|村长|组长|站长|所长|科员|"
                          r"工作人员|职员|专员|主管|负责人|助理|秘书|网格员|民警|律师|记者|老师|医生|居民|村民)")
_PAREN = re.compile(r"[（(][^）)]*[）)]")
_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def public_role(p: Proposal) -> str:
    column = COLUMN[p.kind]
    return f"{column['role']}（{p.lead_constituency}）"


def co_signer_names(p: Proposal) -> list[str]:
    return [c.get("name", "") for c in p.co_signers or [] if c.get("name")]


def names_in_record(p: Proposal, records: list[ProposalRecord]) -> set[str]:
    """People named in the handling record, except the proposer and co-signers (public roles)."""
    public = {p.lead_name, *co_signer_names(p)}
    names: set[str] = set()
    for row in records:
        for token in re.split(r"[，,、;；/\s]+", _PAREN.sub("", row.people or "")):
            token = _TITLE_WORDS.sub("", token.strip())
            if _NAME.match(token) and token not in public and looks_like_name(token):
                names.add(token)
    return names


def _day(value: Any) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def proposed_version(session: Session, p: Proposal) -> dict[str, str]:
    """The system's redacted draft of the page's four text sections."""
    records = queries.records(session, p.id)
    names = names_in_record(p, records)
    unit_names = dict(session.execute(select(Unit.code, Unit.name)).all())
    lines = []
    for row in records:
        unit = unit_names.get(row.unit_code, row.unit_code)
        if row.kind == "contact":
            head = f"{_day(row.occurred_on)}，{unit}与{COLUMN[p.kind]['lead']}{METHOD_LABELS[row.method or 'meeting']}"
        elif row.kind == "opinion":
            head = f"{_day(row.occurred_on)}，协办单位{unit}提出意见"
        else:
            head = f"{_day(row.occurred_on)}，{unit}开展{NOTE_LABELS[row.kind]}"
        lines.append(f"{head}：{row.content}")
    reply = queries.latest_delivered_reply(session, p.id)
    result = reply.text if reply else ""  # the page shows the classification beside it
    words = (reply.rating_comment or "") if reply else ""
    return {
        "background": redact_text(p.background, names),
        "process": redact_text("\n".join(lines), names),
        "result": redact_text(result, names),
        "words": redact_text(words, names),
    }


def do_publish(session: Session, proposal_id: int, body: PublishBody, actor: Actor, *,
               now: datetime | None = None) -> Proposal:
    """Publish (or update) the tracking page; fields left out take the redacted draft, fields given
    are redacted too."""
    now = now or utcnow()

    def change(p: Proposal) -> tuple[str, dict[str, Any]]:
        draft = proposed_version(session, p)
        names = names_in_record(p, queries.records(session, p.id))
        # what the editor typed goes through the same redaction: nothing personal slips out by hand
        chosen = {key: redact_text(getattr(body, key), names) if getattr(body, key) is not None else draft[key]
                  for key in draft}
        if not chosen["result"].strip():
            raise InvalidField("result", "办理结果不能为空")
        first = not p.published
        p.public_background, p.public_process = chosen["background"], chosen["process"]
        p.public_result, p.public_words = chosen["result"], chosen["words"]
        if first:
            p.published_at = now
        edited = [key for key in draft if getattr(body, key) is not None and getattr(body, key) != draft[key]]
        return ("公开办理情况" if first else "更新公开内容"), {"edited": edited}

    return act(session, proposal_id, wf.Action.PUBLISH, actor, now, change)


def do_unpublish(session: Session, proposal_id: int, body: ReasonBody, actor: Actor, *,
                 now: datetime | None = None) -> Proposal:
    now = now or utcnow()

    def change(p: Proposal) -> tuple[str, dict[str, Any]]:
        return f"撤回公开：{body.reason}", {"reason": body.reason}

    return act(session, proposal_id, wf.Action.UNPUBLISH, actor, now, change)
