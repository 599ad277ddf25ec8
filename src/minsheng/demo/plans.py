"""Pure: the life a demo case will lead, as timed steps (no I/O; the history module runs them).

A plan starts with the intake and follows the real workflow: assignment by the city centre,
sign-for, a duty team for fast-track cases, feedback, review, the citizen's rating. Along the way a
few cases go wrong the way real ones do: a unit signs late or answers late (overdue), a unit
returns a case that is not its job, a reviewer sends a reply back, an unhappy citizen gets the
case reopened, a duplicate is merged into its master, a case waits suspended, a case lies untouched.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from minsheng.demo.texts import Draft

MIN, HOUR, DAY = 60, 3600, 86400
FEEDBACK_TEXTS = {
    "CG": "执法队员已到现场核查，责令当事人立即整改，现场已恢复正常，后续纳入日常巡查。",
    "SZ": "养护单位已到场维修，设施已恢复正常使用。",
    "ZF": "已约谈物业服务企业，督促其限期整改，并向来电人反馈处理进度。",
    "HB": "执法人员已对涉事企业开展现场检查，责令停止违法排放并立案调查。",
    "JT": "已安排人员现场核实并处理，相关情况已告知来电人。",
    "SC": "已对经营者进行调查，督促其依法履行义务，双方已达成和解。",
    "LB": "已立案调查，责令用人单位限期支付拖欠款项。",
    "GY": "抢修人员已到场处置，已恢复供应。",
    "SN": "已安排人员清理并加强巡查。",
    "AQ": "已开展现场检查，责令企业立即整改安全隐患并复查。",
    "SH": "已与来电人联系，按政策予以办理并解释到位。",
    "JC": "一键办队伍已到现场处置完毕，当事双方已调解，现场恢复正常。",
    "GA": "已转交辖区派出所核查处理。",
    "ZX": "已向来电人详细解答相关政策和办理流程。",
}
REJECT_REASONS = ("反馈内容过于简单，请补充现场处置照片和具体措施。", "未与群众取得联系，请核实后重新反馈。")
UNHAPPY = ("问题至今没有解决，只是来看了一下。", "处理结果和反映的问题不符。", "态度敷衍，要求重新处理。")
COMMENTS = ("处理很及时，谢谢。", "工作人员态度很好。", "", "", "问题已解决。")


@dataclass
class Step:
    at: datetime
    action: str  # a workflow action, or "create"
    role: str  # who acts: calltaker | citydisp | supervisor | unit | system
    body: dict[str, Any] = field(default_factory=dict)
    late: str | None = None  # the stage this step completes late (sign | dispatch | feedback)


@dataclass
class Plan:
    index: int
    draft: Draft
    unit: str  # the unit that should handle it
    track: str
    team: str | None
    steps: list[Step]
    duplicate_of: int | None = None  # plan index of the master case


@dataclass(frozen=True)
class CityFacts:
    """What plans need to know about the city: units, tracks, teams, limits (seconds)."""

    tracks: dict[str, str]  # category → track
    departments: list[str]  # unit codes a case may wrongly go to first
    teams_by_unit: dict[str, list[str]]  # town centre → its teams
    villages: set[str]  # village units
    centre: str
    limits: dict[str, dict[str, float]]  # track → {sign, dispatch, feedback} seconds


def _wall(track: str, limit: float) -> float:
    """Roughly how long a limit lasts on the wall clock (working-hours tracks count 8 h a day)."""
    return limit * 3 if track in ("normal", "consult") else limit


def _late_step(steps: list[Step], start: datetime, wall_limit: float, when: datetime, action: str, role: str,
               body: dict[str, Any], stage: str | None) -> None:
    """The step; when it is late, first the breach of its stage at the deadline."""
    if stage is not None:
        steps.append(Step(start + timedelta(seconds=wall_limit), "breach", "system", {"stage": stage}))
    steps.append(Step(when, action, role, body, late=stage))


def _late_or(rng: random.Random, p: float, ok: tuple[float, float], late: tuple[float, float]) -> tuple[float, bool]:
    if rng.random() < p:
        return rng.uniform(*late), True
    return rng.uniform(*ok), False


def plan_case(index: int, draft: Draft, created: datetime, facts: CityFacts, rng: random.Random) -> Plan:
    track = facts.tracks.get(draft.category, "normal")
    limits = facts.limits.get(track, {})
    unit = draft.department
    if unit in facts.teams_by_unit and draft.village in facts.villages and rng.random() < 0.3:
        unit = str(draft.village)  # the village committee handles it on the spot
    team = rng.choice(facts.teams_by_unit[unit]) if unit in facts.teams_by_unit else None
    steps = [Step(created, "create", "calltaker")]
    t = created

    def at(seconds: float) -> datetime:
        nonlocal t
        t = t + timedelta(seconds=seconds)
        return t

    group = draft.category[:2]
    if unit == facts.centre:  # consultations: answered on the phone
        steps.append(Step(at(rng.uniform(2 * MIN, 15 * MIN)), "answer_directly", "calltaker",
                          {"text": FEEDBACK_TEXTS.get(group, FEEDBACK_TEXTS["ZX"]), "category": draft.category}))
        _rating(steps, at, rng)
        return Plan(index, draft, unit, track, team, steps)
    fast = track in ("fast", "urgent")
    assign_delay = rng.uniform(20, 2 * MIN) if fast else rng.uniform(10 * MIN, 3 * HOUR)
    if rng.random() < 0.03 and facts.departments:  # first sent to the wrong unit, which returns it
        wrong = rng.choice([d for d in facts.departments if d != unit] or facts.departments)
        steps.append(Step(at(assign_delay), "assign", "citydisp", {"unit": wrong, "category": draft.category}))
        steps.append(Step(at(rng.uniform(10 * MIN, 1 * HOUR)), "return", "unit",
                          {"reason": "经核实不属于本单位职责范围，请重新派单。"}))
        assign_delay = rng.uniform(5 * MIN, 30 * MIN)
    steps.append(Step(at(assign_delay), "assign", "citydisp", {"unit": unit, "category": draft.category}))
    if rng.random() < 0.03:  # lies untouched: nobody signs
        _late_step(steps, t, _wall(track, limits.get("sign", 2 * HOUR)), at(rng.uniform(20 * DAY, 90 * DAY)),
                   "sign", "unit", {}, "sign")
        return Plan(index, draft, unit, track, team, steps)
    _handle(steps, at, rng, track, limits, team, group, first=True)
    if rng.random() < 0.05:
        steps.append(Step(at(rng.uniform(20 * MIN, 4 * HOUR)), "reject", "supervisor",
                          {"reason": rng.choice(REJECT_REASONS)}))
        steps.append(Step(at(rng.uniform(1 * HOUR, 6 * HOUR)), "feedback", "unit",
                          {"text": FEEDBACK_TEXTS.get(group, "已处理。") + "已补充现场照片。"}))
    steps.append(Step(at(rng.uniform(10 * MIN, 3 * HOUR)), "approve", "citydisp"))
    if _rating(steps, at, rng) == "unsatisfied" and rng.random() < 0.6:
        steps.append(Step(at(rng.uniform(30 * MIN, 4 * HOUR)), "reopen", "calltaker",
                          {"reason": "群众对处理结果不满意：" + rng.choice(UNHAPPY)}))
        _handle(steps, at, rng, track, limits, team, group, first=False)
        steps.append(Step(at(rng.uniform(10 * MIN, 3 * HOUR)), "approve", "citydisp"))
        _rating(steps, at, rng, unhappy=0.1)
    return Plan(index, draft, unit, track, team, steps)


def _handle(steps: list[Step], at: Any, rng: random.Random, track: str, limits: dict[str, float],
            team: str | None, group: str, *, first: bool) -> None:
    fast = track in ("fast", "urgent")
    sign_limit = limits.get("sign", 2 * HOUR)
    delay, late = _late_or(rng, 0.07, (0.15 * sign_limit, 0.7 * sign_limit), (1.3 * sign_limit, 6 * sign_limit))
    if track in ("normal", "consult"):  # counted in working hours: leave room for nights and weekends
        delay = delay + (rng.uniform(DAY, 3 * DAY) if late else 0)
    start = at(0)
    _late_step(steps, start, _wall(track, sign_limit), at(delay), "sign", "unit", {}, "sign" if late else None)
    if first and track == "normal" and rng.random() < 0.03:
        steps.append(Step(at(rng.uniform(30 * MIN, 3 * HOUR)), "suspend", "unit",
                          {"reason": "等待群众补充材料"}))
        steps.append(Step(at(rng.uniform(1 * DAY, 3 * DAY)), "resume", "unit"))
    if team is not None:
        dispatch_limit = limits.get("dispatch", 5 * MIN)
        delay, late = _late_or(rng, 0.05, (0.2 * dispatch_limit, 0.8 * dispatch_limit),
                               (1.2 * dispatch_limit, 3 * dispatch_limit))
        start = at(0)
        _late_step(steps, start, dispatch_limit, at(delay), "dispatch_team", "unit", {"team": team},
                   "dispatch" if late else None)
        steps.append(Step(at(rng.uniform(5 * MIN, 25 * MIN)), "arrive", "unit"))
    feedback_limit = limits.get("feedback", 3 * DAY)
    start = at(0)
    if fast:
        delay, late = _late_or(rng, 0.04, (0.05 * feedback_limit, 0.6 * feedback_limit),
                               (1.1 * feedback_limit, 2 * feedback_limit))
    else:  # working days: the wall-clock time is longer than the counted time
        wall = _wall(track, feedback_limit)
        delay, late = _late_or(rng, 0.06, (4 * HOUR, 2.5 * DAY), (1.05 * wall, 1.5 * wall))
    _late_step(steps, start, _wall(track, feedback_limit), at(delay), "feedback", "unit",
               {"text": FEEDBACK_TEXTS.get(group, "已按要求处理完毕。")}, "feedback" if late else None)


def _rating(steps: list[Step], at: Any, rng: random.Random, unhappy: float = 0.07) -> str | None:
    if rng.random() > 0.85:
        return None  # not reached on the callback
    r = rng.random()
    rating = "unsatisfied" if r < unhappy else ("basically_satisfied" if r < unhappy + 0.15 else "satisfied")
    comment = rng.choice(UNHAPPY) if rating == "unsatisfied" else rng.choice(COMMENTS)
    steps.append(Step(at(rng.uniform(2 * HOUR, 30 * HOUR)), "callback", "calltaker",
                      {"rating": rating, "comment": comment or None}))
    return rating


def duplicate_plan(index: int, master: Plan, created: datetime, rng: random.Random) -> Plan:
    """Another citizen reports the same thing a little later; the centre merges it into the master."""
    d = master.draft
    steps = [Step(created, "create", "calltaker"),
             Step(created + timedelta(seconds=rng.uniform(3 * MIN, 10 * MIN)), "merge", "citydisp",
                  {"master": master.index})]
    return Plan(index, d, master.unit, master.track, None, steps, duplicate_of=master.index)
