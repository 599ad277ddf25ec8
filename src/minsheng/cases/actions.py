"""What each action changes on the case besides its status: fields, checks, the timeline note.

Each function returns (note, data) for the timeline event. Status, stage timestamps, the event
and the listeners are handled by `service.do_action`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from minsheng.cases.models import Case
from minsheng.cases.rows import lock_case, require
from minsheng.cases.schemas import RATING_LABELS, ActionBody
from minsheng.cases.service import ensure_visible
from minsheng.cases.workflow import Action
from minsheng.directory import service as directory
from minsheng.directory.actors import Actor
from minsheng.directory.models import Unit
from minsheng.errors import Conflict, InvalidField, NotFound

Result = tuple[str, dict[str, Any]]
LEVEL_UP = {"village": "town", "town": "city", "city": "city"}


def set_handling_unit(session: Session, case: Case, unit: Unit) -> None:
    """Hand the case to `unit`; the command level follows the unit's place in the tree."""
    case.unit_code = unit.code
    case.level = unit.level if unit.level in ("village", "town") else "city"
    case.command_unit_code = unit.parent_code if unit.kind == "village" else (
        unit.code if unit.kind == "town_centre" else directory.centre_code(session))
    if unit.town_code and not case.town_code:
        case.town_code = unit.town_code


def _assign(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    unit = directory.get_unit(session, require(body.unit, "unit", "承办单位"))
    if not (actor.sees_everything or actor.role == "admin" or unit.path.startswith(actor.unit_path)):
        raise InvalidField("unit", f"只能派给本单位及下级单位；需由 {unit.name} 办理的，请退单或提级由上级派单")
    if body.category:
        cat = directory.get_category(session, body.category)
        case.category_code, case.track = cat.code, cat.track
    previous = case.unit_code
    set_handling_unit(session, case, unit)
    for stamp in ("signed_at", "dispatched_at", "arrived_at", "replied_at"):
        setattr(case, stamp, None)
    note = f"派单至 {unit.name}" + (f"（原 {previous}）" if previous and previous != unit.code else "")
    return note + (f"：{body.note}" if body.note else ""), {"unit": unit.code, "previous_unit": previous}


def _return(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    reason = require(body.reason, "reason", "退单理由")
    unit = case.unit_code
    case.unit_code, case.assigned_at, case.signed_at = None, None, None
    case.level, case.command_unit_code = "city", directory.centre_code(session)
    return f"退单：{reason}", {"unit": unit, "reason": reason}


def _sign(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    return "签收" + (f"：{body.note}" if body.note else ""), {"unit": case.unit_code}


def _dispatch_team(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    code = require(body.team, "team", "处置队伍")
    if code not in {t.code for t in directory.commanded_teams(session, actor, case.town_code)}:
        raise InvalidField("team", f"{directory.get_team(session, code).name} 不归本单位调度")
    team = directory.lock_team(session, code)
    assert team is not None  # one of the commanded teams
    if team.status == "off_duty":
        raise Conflict(f"{team.name} 不在岗，不能派遣")
    case.team_code = team.code
    team.status, team.current_case_id, team.status_at = "en_route", case.id, now
    return f"派遣 {team.name} 赶赴现场", {"team": team.code}


def _team_status(session: Session, case: Case, status: str, now: datetime) -> None:
    if case.team_code:
        team = directory.lock_team(session, case.team_code)  # a dispatch elsewhere may be changing it
        if team is not None and team.current_case_id == case.id:
            team.status, team.status_at = status, now
            if status == "on_duty":
                team.current_case_id = None


def _arrive(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    _team_status(session, case, "on_site", now)
    return "队伍到达现场" + (f"：{body.note}" if body.note else ""), {"team": case.team_code}


def _feedback(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    case.feedback_text = require(body.text, "text", "处置结果")
    _team_status(session, case, "on_duty", now)
    return f"反馈处置结果：{case.feedback_text}", {"text": case.feedback_text}


def _approve(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    case.public_answer = body.public_answer or case.feedback_text
    return "审核通过，办结" + (f"：{body.note}" if body.note else ""), {}


def _reject(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    reason = require(body.reason, "reason", "退回重办理由")
    case.replied_at = None
    return f"退回重办：{reason}", {"reason": reason}


def _answer_directly(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    text = require(body.text, "text", "答复内容")
    case.feedback_text = case.public_answer = text
    if body.category:
        cat = directory.get_category(session, body.category)
        case.category_code, case.track = cat.code, cat.track
    return f"直接答复办结：{text}", {"text": text}


def _close(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    reason = require(body.reason, "reason", "结案理由")
    return f"结案：{reason}", {"reason": reason}


def _callback(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    rating = require(body.rating, "rating", "满意度")
    case.rating, case.rating_comment, case.rated_at = rating, body.comment, now
    note = f"回访：{RATING_LABELS[rating]}" + (f"，{body.comment}" if body.comment else "")
    return note, {"rating": rating, "comment": body.comment}


def _reopen(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    reason = require(body.reason, "reason", "重新办理理由")
    case.reopen_count += 1
    for stamp in ("signed_at", "dispatched_at", "arrived_at", "replied_at", "closed_at", "rated_at"):
        setattr(case, stamp, None)
    case.rating = case.rating_comment = None
    case.assigned_at = now
    if case.unit_code is None:
        raise Conflict("案件没有承办单位，无法重新办理")
    return f"重新办理：{reason}", {"reason": reason, "reopen_count": case.reopen_count}


def _suspend(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    reason = require(body.reason, "reason", "挂起理由")
    case.suspended_at = now
    return f"挂起（计时暂停）：{reason}", {"reason": reason}


def _resume(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    paused = (now - case.suspended_at).total_seconds() if case.suspended_at else 0.0
    case.suspended_at = None
    return "恢复办理（计时继续）", {"paused_seconds": paused}


def escalate_case(session: Session, case: Case) -> tuple[str, str]:
    """Raise the command level one step: village → town sub-centre → city centre."""
    before = case.level
    case.level = LEVEL_UP.get(case.level, "city")
    case.escalated = True
    if case.level == "town" and case.town_code:
        case.command_unit_code = (directory.town_centre_code(session, case.town_code)
                                  or directory.centre_code(session))
    else:
        case.level = "city"
        case.command_unit_code = directory.centre_code(session)
    return before, case.level


LEVEL_NAMES = {"village": "村社", "town": "镇街道", "city": "市级"}


def _escalate(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    before, after = escalate_case(session, case)
    reason = body.reason or "手动提级"
    step = (f"{LEVEL_NAMES.get(before, before)} → {LEVEL_NAMES.get(after, after)}" if before != after
            else "已在市级，列入督办")
    return f"提级（{step}）：{reason}", {"from_level": before, "to_level": after, "reason": reason}


def _merge(session: Session, case: Case, body: ActionBody, actor: Actor, now: datetime) -> Result:
    master_id = require(body.master_case_id, "master_case_id", "主案件")
    if master_id == case.id:
        raise InvalidField("master_case_id", "不能合并到自身")
    master = lock_case(session, master_id)
    try:
        ensure_visible(session, master, actor)
    except NotFound:  # another unit's case does not exist for this actor
        raise InvalidField("master_case_id", "找不到该主案件") from None
    if master.status == "closed" or master.merged:
        raise InvalidField("master_case_id", f"主案件 {master.number} 已办结或本身是重复件")
    case.master_case_id = master.id
    return f"作为重复件并入 {master.number}", {"master_case_id": master.id, "master_number": master.number}


APPLY: dict[Action, Callable[[Session, Case, ActionBody, Actor, datetime], Result]] = {
    Action.ASSIGN: _assign, Action.RETURN: _return, Action.SIGN: _sign,
    Action.DISPATCH_TEAM: _dispatch_team, Action.ARRIVE: _arrive, Action.FEEDBACK: _feedback,
    Action.APPROVE: _approve, Action.REJECT: _reject, Action.ANSWER_DIRECTLY: _answer_directly,
    Action.CLOSE: _close, Action.CALLBACK: _callback, Action.REOPEN: _reopen,
    Action.SUSPEND: _suspend, Action.RESUME: _resume, Action.ESCALATE: _escalate, Action.MERGE: _merge,
}
