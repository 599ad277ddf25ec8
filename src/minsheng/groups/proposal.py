"""Propose a group for a case (pure): the lead unit and co-handling units, each with its reasons.

Where the proposal comes from:
- the category's handling department (its dept; "town_centre" means the sub-centre of the place),
- without a confirmed category, the routing model's suggested categories and their units,
- the place: the town sub-centre of the case's town (属地), and its village or community,
- the units' duties: a duty phrase ("夜间施工噪声") whose key terms appear in the case's text,
- the unit that held the case before it was raised (it knows what was done so far).
The lead is the category's department, else the best duty match, else the town sub-centre. The
dispatcher sees every reason and adjusts before confirming.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from minsheng.routing.text import Segmenter

MAX_MEMBERS = 5
MIN_PHRASE_SCORE = 0.5
MIN_SUGGESTION_CONFIDENCE = 0.2
# Words that say little about which unit must act when they stand alone.
GENERIC = frozenset({
    "服务", "纠纷", "问题", "管理", "安全", "质量", "设施", "公共", "城市", "处理", "事项", "收费", "机构",
    "补贴", "政策", "社区", "小区", "区域", "现场", "处置", "培训", "登记", "价格",
    "故障", "隐患", "违法", "非法", "举报", "街道", "辖区", "农村", "农业", "经营", "损坏", "保护", "组织",
    "社会", "卫生", "危险", "交通", "平台", "运营", "直接", "协调", "信号",
})
# How citizens say it → how the duties say it.
SYNONYMS = {
    "噪音": "噪声", "晚上": "夜间", "半夜": "夜间", "深夜": "夜间", "电动车": "电瓶车", "红绿灯": "信号灯",
    "下水道": "污水管网", "没水": "停水", "没电": "停电", "臭味": "异味", "臭气": "异味", "摆摊": "摊贩",
    "小摊": "摊贩", "违建": "违章搭建", "井盖": "窨井盖", "煤气": "燃气", "工资没发": "拖欠工资",
    "欠薪": "拖欠工资", "排污": "偷排", "污水排": "偷排", "乱排": "偷排",
}
_SPLIT = re.compile(r"[、，,；;。（）()/\s]|和|与|及|或")


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    kind: str  # centre | department | utility | town_centre | village
    duties: str = ""
    town_code: str | None = None
    division_code: str | None = None


@dataclass(frozen=True)
class CaseFacts:
    content: str
    address: str = ""
    category_code: str | None = None
    category_name: str | None = None
    category_dept: str | None = None  # a unit code, or "town_centre"
    town_code: str | None = None
    village_code: str | None = None
    current_unit: str | None = None  # the unit holding the case before the group (after a raise)
    # the routing model's top categories when no category is confirmed: (unit, category name, confidence)
    suggested: tuple[tuple[str, str, float], ...] = ()


@dataclass
class Candidate:
    unit: str
    name: str
    reasons: list[str] = field(default_factory=list)
    score: float = 0.0

    def as_dict(self, role: str) -> dict[str, object]:
        return {"unit": self.unit, "name": self.name, "role": role, "reasons": list(self.reasons),
                "reason": "；".join(self.reasons), "score": round(self.score, 3)}


@dataclass(frozen=True)
class Proposal:
    lead: Candidate | None
    members: tuple[Candidate, ...]

    def as_dict(self) -> dict[str, object]:
        return {"lead": self.lead.as_dict("lead") if self.lead else None,
                "members": [m.as_dict("co") for m in self.members]}


def normalise(text: str) -> str:
    for said, written in SYNONYMS.items():
        text = text.replace(said, written)
    return text


@lru_cache(maxsize=1)
def _segmenter() -> Segmenter:
    """jieba's own dictionary, no city lexicon; loaded on first use."""
    return Segmenter()


@lru_cache(maxsize=4096)
def phrase_terms(phrase: str) -> tuple[str, ...]:
    """Key terms of a duty phrase: jieba words of two or more characters (runs of single characters
    joined, so 占道经营 gives 占道 and 经营), generic words left out."""
    terms: list[str] = []
    run = ""
    for token in [*_segmenter().tokens(phrase), ""]:
        if len(token) == 1 and token.strip():
            run += token
            continue
        if len(run) >= 2:
            terms.append(run)
        run = ""
        if len(token) >= 2:
            terms.append(token)
    return tuple(t for t in dict.fromkeys(terms) if t not in GENERIC and not t.isdigit())


def duty_phrases(duties: str) -> list[str]:
    return [p for p in (part.strip() for part in _SPLIT.split(duties)) if len(p) >= 2]


def duty_matches(text: str, duties: str) -> list[tuple[str, tuple[str, ...], float]]:
    """(phrase, matched terms, score) for each duty phrase whose key terms appear in `text`."""
    found = []
    for phrase in duty_phrases(duties):
        terms = phrase_terms(phrase)
        if not terms:
            continue
        matched = tuple(t for t in terms if t in text)
        score = len(matched) / len(terms)
        if matched and score >= MIN_PHRASE_SCORE:
            found.append((phrase, matched, score))
    return sorted(found, key=lambda f: -f[2])


def _duty_reason(matches: list[tuple[str, tuple[str, ...], float]]) -> str:
    phrases = "、".join(f"「{p}」" for p, _, _ in matches[:3])
    terms = "、".join(dict.fromkeys(t for _, ts, _ in matches[:3] for t in ts))
    return f"职责含{phrases}，与诉求内容相符（{terms}）"


def propose(facts: CaseFacts, units: list[UnitInfo], max_members: int = MAX_MEMBERS) -> Proposal:
    """The lead and co-handling units for `facts`, best first, each with the reasons it was proposed."""
    by_code = {u.code: u for u in units}
    text = normalise(f"{facts.content} {facts.address}")
    found: dict[str, Candidate] = {}

    def add(unit: UnitInfo, reason: str, score: float) -> None:
        cand = found.setdefault(unit.code, Candidate(unit.code, unit.name))
        cand.reasons.append(reason)
        cand.score += score

    town_centre = next((u for u in units if u.kind == "town_centre" and facts.town_code
                        and u.town_code == facts.town_code), None)
    category_lead: UnitInfo | None = None
    if facts.category_dept:
        category_lead = town_centre if facts.category_dept == "town_centre" else by_code.get(facts.category_dept)
        if category_lead is not None:
            label = facts.category_name or facts.category_code
            add(category_lead, f"诉求类别「{label}」的承办单位", 3.0)
    if category_lead is None:
        for code, category, confidence in facts.suggested:
            suggested = town_centre if code == "town_centre" else by_code.get(code)
            if suggested is not None and confidence >= MIN_SUGGESTION_CONFIDENCE:
                add(suggested, f"智能分类建议「{category}」（置信度{confidence:.0%}）", 2.0 * confidence)
    for unit in units:
        if unit.kind not in ("department", "utility"):
            continue
        matches = duty_matches(text, unit.duties)
        if matches:
            add(unit, _duty_reason(matches), sum(score for _, _, score in matches))
    if town_centre is not None:
        add(town_centre, "属地街道（镇）分中心：负责现场核查和属地协调", 1.0)
    village = by_code.get(facts.village_code or "")
    if village is not None and village.kind == "village":
        add(village, "属地村（社区）：熟悉现场和当事人情况", 0.5)
    current = by_code.get(facts.current_unit or "")
    if current is not None and current.kind != "centre":
        add(current, "原承办单位：已掌握前期办理情况", 0.75)

    ranked = sorted(found.values(), key=lambda c: (-c.score, c.unit))
    lead = found.get(category_lead.code) if category_lead else None
    if lead is None:
        lead = next((c for c in ranked if by_code[c.unit].kind in ("department", "utility")
                     or any(r.startswith("智能分类建议") for r in c.reasons)), None)
    if lead is None and town_centre is not None:
        lead = found[town_centre.code]
    members = tuple(c for c in ranked if lead is None or c.unit != lead.unit)[:max_members]
    return Proposal(lead, members)
