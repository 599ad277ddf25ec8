"""The system's redacted draft of a typical case, from a closed citizen case or a proposal."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from minsheng.cases import queries as case_queries
from minsheng.cases.models import Case
from minsheng.cases.schemas import RATING_LABELS
from minsheng.clock import SHANGHAI
from minsheng.directory.models import Category, Unit
from minsheng.proposals.models import Proposal
from minsheng.proposals.publication import COLUMN, proposed_version, public_role
from minsheng.publishing.redaction import redact_text

_SENTENCE_END = re.compile(r"[。！？!?；;\n]")


def headline(text: str, limit: int = 40) -> str:
    first = _SENTENCE_END.split(text.strip(), maxsplit=1)[0].strip("，, ")
    return first if len(first) <= limit else first[: limit - 1] + "…"


def case_draft(session: Session, case: Case) -> tuple[str, str, str, str]:
    """(title, body, topic, unit name) for a closed citizen case, with the citizen's data removed."""
    names = [case.citizen_name] if case.citizen_name else []
    category = session.get(Category, case.category_code) if case.category_code else None
    unit = session.get(Unit, case.unit_code) if case.unit_code else None
    unit_name = unit.name if unit else ""
    steps = []
    for event in case_queries.timeline(session, case.id):
        if event.action in ("assign", "sign", "dispatch_team", "arrive", "feedback", "approve"):
            local = event.at.astimezone(SHANGHAI)
            steps.append(f"{local:%m月%d日 %H:%M} {_CASE_STEPS[event.action]}")
    body = "\n".join([
        f"【群众诉求】{case.content}",
        f"【办理过程】{unit_name}承办。" + "；".join(steps),
        f"【办理结果】{case.public_answer or case.feedback_text or ''}",
        f"【群众评价】{RATING_LABELS.get(case.rating or '', '未评价')}",
    ])
    body = redact_text(body, names)
    title = redact_text(headline(case.content), names)
    return title, body, (category.name if category else ""), unit_name


def source_names(session: Session, source_kind: str, source_id: int) -> set[str]:
    """The private people a typical case's source names (the citizen of a case; the people in a
    proposal's handling record other than the proposer and co-signers, who are public)."""
    if source_kind == "case":
        case = session.get(Case, source_id)
        return {case.citizen_name} if case is not None and case.citizen_name else set()
    from minsheng.proposals import queries as proposal_queries
    from minsheng.proposals.publication import names_in_record

    p = session.get(Proposal, source_id)
    return names_in_record(p, proposal_queries.records(session, p.id)) if p is not None else set()


def proposal_draft(session: Session, p: Proposal) -> tuple[str, str, str, str]:
    """(title, body, topic, unit name) for a proposal, from its public page's draft or published text."""
    column = COLUMN[p.kind]
    version = proposed_version(session, p)
    if p.published:
        version = {"background": p.public_background or "", "process": p.public_process or "",
                   "result": p.public_result or "", "words": p.public_words or ""}
    unit = session.get(Unit, p.host_unit_code) if p.host_unit_code else None
    parts = [f"【{column['item']}】{p.title}", f"【{column['lead']}】{p.lead_name}，{public_role(p)}",
             f"【背景】{version['background']}", f"【办理过程】{version['process']}",
             f"【办理结果】{version['result']}"]
    if version["words"]:
        parts.append(f"【{column['words']}】{version['words']}")
    return p.title, "\n".join(parts), p.category, (unit.name if unit else "")


_CASE_STEPS = {"assign": "派单", "sign": "签收", "dispatch_team": "派出处置力量", "arrive": "到达现场",
               "feedback": "反馈处置结果", "approve": "审核办结"}
