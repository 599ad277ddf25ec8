"""Measures per session and host unit: on-time contact and reply rates, the proposers' ratings, the
share solved (A+B); exported as xlsx.

Definitions (every handling round's clock counts, so a second handling is measured too):
- on-time contact rate = contact clocks met / (met + missed + running past due); clocks still
  running within their limit are pending and left out; cancelled clocks (reassignment) too.
- on-time reply rate: the same for the reply (feedback) clocks, stopped at delivery.
- ratings: the latest rating of each proposal; satisfaction = (满意 + 基本满意) / rated.
- solved share = proposals whose latest delivered reply is class A or B / proposals with a delivered reply.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.directory.actors import Actor
from minsheng.proposals import clocks as clock_rules
from minsheng.proposals import queries
from minsheng.proposals.models import Proposal, ProposalClock, ProposalReply

TOTAL = "合计"


@dataclass(frozen=True)
class Item:
    """One proposal, reduced to what the measures need."""

    session_name: str
    unit_code: str
    contact: tuple[bool | None, ...]  # per clock: True met, False missed/overdue, None pending
    reply: tuple[bool | None, ...]
    rating: str | None
    classification: str | None  # of the latest delivered reply


@dataclass
class Measure:
    session_name: str
    unit_code: str
    unit_name: str = ""
    proposals: int = 0
    contact_on_time: int = 0
    contact_late: int = 0
    contact_pending: int = 0
    reply_on_time: int = 0
    reply_late: int = 0
    reply_pending: int = 0
    ratings: dict[str, int] = field(default_factory=lambda: {"satisfied": 0, "basically_satisfied": 0,
                                                             "unsatisfied": 0})
    classes: dict[str, int] = field(default_factory=lambda: {"A": 0, "B": 0, "C": 0, "D": 0})

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def contact_rate(self) -> float | None:
        return self._rate(self.contact_on_time, self.contact_on_time + self.contact_late)

    @property
    def reply_rate(self) -> float | None:
        return self._rate(self.reply_on_time, self.reply_on_time + self.reply_late)

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.ratings["satisfied"] + self.ratings["basically_satisfied"], self.rated)

    @property
    def replied(self) -> int:
        return sum(self.classes.values())

    @property
    def solved_share(self) -> float | None:
        return self._rate(self.classes["A"] + self.classes["B"], self.replied)

    def add(self, item: Item) -> None:
        self.proposals += 1
        for outcome in item.contact:
            self.contact_on_time += outcome is True
            self.contact_late += outcome is False
            self.contact_pending += outcome is None
        for outcome in item.reply:
            self.reply_on_time += outcome is True
            self.reply_late += outcome is False
            self.reply_pending += outcome is None
        if item.rating in self.ratings:
            self.ratings[item.rating] += 1
        if item.classification in self.classes:
            self.classes[item.classification] += 1

    def as_dict(self) -> dict[str, object]:
        return {
            "session_name": self.session_name, "unit": self.unit_code, "unit_name": self.unit_name,
            "proposals": self.proposals, "contact_on_time": self.contact_on_time, "contact_late": self.contact_late,
            "contact_pending": self.contact_pending, "contact_rate": self.contact_rate,
            "reply_on_time": self.reply_on_time, "reply_late": self.reply_late, "reply_pending": self.reply_pending,
            "reply_rate": self.reply_rate, "ratings": dict(self.ratings), "rated": self.rated,
            "satisfaction_rate": self.satisfaction_rate, "classes": dict(self.classes), "replied": self.replied,
            "solved_share": self.solved_share,
        }


def aggregate(items: Iterable[Item], unit_names: dict[str, str] | None = None) -> list[Measure]:
    """One row per (session, unit), then a 合计 row per session; sessions newest first (pure)."""
    names = unit_names or {}
    rows: dict[tuple[str, str], Measure] = {}
    for item in items:
        for key in ((item.session_name, item.unit_code), (item.session_name, TOTAL)):
            if key not in rows:
                rows[key] = Measure(key[0], key[1], names.get(key[1], key[1]))
            rows[key].add(item)
    ordered = sorted(rows.values(), key=lambda m: (m.unit_code == TOTAL, m.unit_code))
    return sorted(ordered, key=lambda m: m.session_name, reverse=True)  # stable: units stay in order


def items(session: Session, actor: Actor, now: datetime, *, session_name: str | None = None,
          unit: str | None = None) -> list[Item]:
    stmt = queries.scoped(session, actor, select(Proposal).where(Proposal.host_unit_code.is_not(None)))
    if session_name:
        stmt = stmt.where(Proposal.session_name == session_name)
    if unit:
        stmt = stmt.where(Proposal.host_unit_code == unit)
    proposals = list(session.scalars(stmt))
    ids = [p.id for p in proposals]
    clock_rows = queries.clocks_of(session, ids)
    latest: dict[int, ProposalReply] = {}
    if ids:
        for reply in session.scalars(select(ProposalReply).where(
                ProposalReply.proposal_id.in_(ids), ProposalReply.delivered_at.is_not(None))
                .order_by(ProposalReply.round)):
            latest[reply.proposal_id] = reply

    def outcomes(rows: list[ProposalClock], stage: str) -> tuple[bool | None, ...]:
        return tuple(clock_rules.on_time(c.due_at, now, c.stopped_at) for c in rows
                     if c.stage == stage and not c.cancelled)

    return [Item(p.session_name, p.host_unit_code or "", outcomes(clock_rows[p.id], "contact"),
                 outcomes(clock_rows[p.id], "feedback"), p.rating,
                 latest[p.id].classification if p.id in latest else None) for p in proposals]


HEADERS = ("会议", "主办单位", "件数", "按时联系", "联系超时", "联系未到期", "按时联系率", "按时答复", "答复超时",
           "答复未到期", "按时答复率", "满意", "基本满意", "不满意", "满意率", "已答复", "A类", "B类", "C类", "D类",
           "解决率(A+B)")


def to_xlsx(measures: list[Measure], *, title: str = "建议提案办理情况") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for m in measures:
        sheet.append([
            m.session_name, m.unit_name, m.proposals, m.contact_on_time, m.contact_late, m.contact_pending,
            m.contact_rate, m.reply_on_time, m.reply_late, m.reply_pending, m.reply_rate, m.ratings["satisfied"],
            m.ratings["basically_satisfied"], m.ratings["unsatisfied"], m.satisfaction_rate, m.replied,
            m.classes["A"], m.classes["B"], m.classes["C"], m.classes["D"], m.solved_share,
        ])
        if m.unit_code == TOTAL:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
    for column in ("G", "K", "O", "U"):
        for cell in sheet[column][1:]:
            cell.number_format = "0.0%"
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 28
    sheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
