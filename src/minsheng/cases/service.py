"""Case actions, Zulip-style: each do_* is one transaction's worth of work.

The caller owns the transaction (`with db.session() as s: do_sign(s, ...)`). Each action locks
the case row (PostgreSQL), applies the pure workflow, sets the fields, writes the timeline event
and runs the transition listeners (SLA timers, outbox) — all before the caller commits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnDefault, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minsheng.cases import hooks
from minsheng.cases import workflow as wf
from minsheng.cases.models import Case, CaseEvent
from minsheng.cases.numbers import next_case_number
from minsheng.cases.permissions import UNIT_ACTIONS, role_may, unit_covers
from minsheng.cases.rows import lock_case
from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.clock import utcnow
from minsheng.db import for_update, insert_rows
from minsheng.directory import service as directory
from minsheng.directory.actors import Actor
from minsheng.directory.models import Unit
from minsheng.errors import Conflict, DomainError, Forbidden, NotFound
from minsheng.events.publish import announce
from minsheng.orm import attach_as_loaded, loaded, unwritten

_CASES: Table = Case.__table__  # type: ignore[assignment]
_EVENTS: Table = CaseEvent.__table__  # type: ignore[assignment]
STAGE_STAMP = {
    wf.Action.ASSIGN: "assigned_at",
    wf.Action.SIGN: "signed_at",
    wf.Action.DISPATCH_TEAM: "dispatched_at",
    wf.Action.ARRIVE: "arrived_at",
    wf.Action.FEEDBACK: "replied_at",
}


def state_of(case: Case) -> wf.CaseState:
    return wf.CaseState(wf.Status(case.status), case.suspended, case.rated, case.merged)


# Domains may refuse an action that the workflow, the role and the unit allow (a group's co-unit may
# not feed back the case it only co-handles): a guard returns its refusal, or None to let it pass.
ActionGuard = Callable[[Session, Case, Actor, wf.Action], DomainError | None]
action_guards: list[ActionGuard] = []


def refusal(session: Session, case: Case, actor: Actor, action: wf.Action) -> DomainError | None:
    """The first registered guard's refusal of `action`, or None."""
    for guard in action_guards:
        error = guard(session, case, actor, action)
        if error is not None:
            return error
    return None


def unit_path(session: Session, code: str | None) -> str | None:
    if code is None:
        return None
    unit = session.get(Unit, code)
    return unit.path if unit else None


def ensure_visible(session: Session, case: Case, actor: Actor) -> None:
    """A case outside the actor's scope does not exist for it (404, not 403)."""
    scope = directory.case_scope(session, actor)
    if scope is not None and session.scalar(select(Case.id).where(Case.id == case.id, scope)) is None:
        raise NotFound()


def commands_case(session: Session, case: Case, actor: Actor, case_path: str | None) -> bool:
    """Whether the actor's unit directs this case: the city centre any case; a unit below it, a
    case handled in its subtree or, not yet handed to a unit, one its subtree commands or (a town
    sub-centre) one in its town. Seeing a case is wider: a town sees every case in the town,
    including those a city department handles, which it may not reassign, suspend or escalate."""
    if actor.sees_everything or actor.role == "admin":
        return True
    if case.unit_code is not None:
        return unit_covers(actor.unit_path, case_path)
    if unit_covers(actor.unit_path, unit_path(session, case.command_unit_code)):
        return True
    unit = session.get(Unit, actor.unit_code)
    return unit is not None and unit.kind == "town_centre" and bool(unit.town_code) and unit.town_code == case.town_code


def _permitted(actor: Actor, action: wf.Action, handles: bool, commands: bool) -> bool:
    """Role first; then the handling unit's own actions need the actor to handle the case
    (`handles`), and the others need it to direct the case (`commands_case`)."""
    if not role_may(actor.role, action):
        return False
    if actor.role == "admin":
        return True
    return handles if action in UNIT_ACTIONS else commands


def _authority(session: Session, case: Case, actor: Actor) -> tuple[bool, bool]:
    """(handles, commands): the case is handled in the actor's subtree, or (a team member) its team
    is the one sent, even by a department of another branch; and whether the actor directs it."""
    case_path = unit_path(session, case.unit_code)
    handles = unit_covers(actor.unit_path, case_path) or (
        actor.role == "team_member" and case.team_code is not None and case.team_code == actor.team_code)
    return handles, commands_case(session, case, actor, case_path)


def allowed_for(session: Session, case: Case, actor: Actor) -> list[str]:
    """The workflow's allowed actions that this actor's role and unit may take now."""
    handles, commands = _authority(session, case, actor)
    return [action.value for action in wf.allowed_actions(state_of(case))
            if _permitted(actor, action, handles, commands) and refusal(session, case, actor, action) is None]


def record_event(
    session: Session, case: Case, action: str, actor: Actor, now: datetime, *,
    from_status: str | None, note: str = "", data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Write one timeline line (after flushing the case's own changes) and return it, persistent.

    The row goes in with a plain INSERT … RETURNING id rather than through the unit of work: every
    action writes one, and the flush machinery for a single new object cost more than the insert.
    """
    session.flush()  # the case's changes first (a new case gets its id)
    return record_events(session, [(case, _event_values(case, action, actor, now, from_status, note, data))])[0]


def _event_values(case: Case, action: str, actor: Actor, now: datetime, from_status: str | None,
                  note: str, data: dict[str, Any] | None) -> dict[str, Any]:
    return dict(case_id=case.id, at=now, action=action, from_status=from_status, to_status=case.status,
                actor_id=actor.user_id, actor_name=actor.label, actor_unit=actor.unit_code, note=note,
                data=data or {})


def record_events(session: Session, rows: list[tuple[Case, dict[str, Any]]]) -> list[CaseEvent]:
    """Timeline lines for cases already flushed, in one INSERT … RETURNING (ids in the rows' order)."""
    ids = insert_rows(session, _EVENTS, [values for _, values in rows], return_ids=True)
    # as if loaded: every column is set, nothing to write
    return [loaded(session, CaseEvent, {"id": event_id, **values})
            for event_id, (_, values) in zip(ids, rows, strict=True)]


def scope_fields(case: Case) -> dict[str, str | None]:
    """The fields that decide who may see a case (see directory.service.case_scope)."""
    return {"unit": case.unit_code, "command_unit": case.command_unit_code, "town": case.town_code,
            "team": case.team_code}


def _finish(session: Session, case: Case, action: str, actor: Actor, now: datetime,
            from_status: str | None, note: str, data: dict[str, Any],
            was: dict[str, str | None] | None = None) -> CaseEvent:
    case.updated_at = now
    event = record_event(session, case, action, actor, now, from_status=from_status, note=note, data=data)
    hooks.run(session, hooks.Transition(case, action, from_status, case.status, actor, now, event, data))
    # `was`: the scope fields before the action, so that consoles that saw the case learn it left them.
    announce(session, "case", case.id, action=action, status=case.status, number=case.number,
             track=case.track, priority=case.priority, **scope_fields(case), was=was or {})
    return event


@functools.cache
def _case_defaults() -> dict[str, Any]:
    """Every column of a new case at its default (scalar defaults; None where there is none)."""
    return {c.key: (c.default.arg if isinstance(c.default, ColumnDefault) and c.default.is_scalar else None)
            for c in _CASES.c if not c.primary_key}


def _received(session: Session, body: CaseCreate) -> tuple[CaseCreate, Case | None]:
    """The body with an empty source as no source, and the case a retry of it already created."""
    # an empty source is no source (two "" pairs would collide on the unique constraint)
    body = body.model_copy(update={"source_system": body.source_system or None, "source_id": body.source_id or None})
    if body.source_id and body.source_system:
        return body, session.scalars(select(Case).where(
            Case.source_system == body.source_system, Case.source_id == body.source_id)).first()
    return body, None


def _new_case(session: Session, body: CaseCreate, actor: Actor, now: datetime) -> Case:
    """A new case, not yet written nor prepared by the intake steps (routing)."""
    track = directory.category_track(session, body.category) if body.category else "normal"
    return unwritten(Case, {
        **_case_defaults(),
        "number": next_case_number(session, now), "channel": body.channel, "source_system": body.source_system,
        "source_id": body.source_id, "citizen_name": body.citizen_name, "citizen_phone": body.citizen_phone,
        "content": body.content, "address": body.address, "lng": body.lng, "lat": body.lat,
        "category_code": body.category, "town_code": body.town, "village_code": body.village, "track": track,
        "priority": body.priority, "status": wf.Status.RECEIVED.value, "level": "city",
        "command_unit_code": directory.centre_code(session), "created_by": actor.user_id,
        "created_at": now, "updated_at": now,
    })


def _written(case: Case) -> dict[str, Any]:
    """The new case's values to INSERT. NULLs are left out (a None given for a JSON column would be
    stored as JSON null). Read from the instance's dict: a new case's columns are all there (`unwritten`)."""
    held = case.__dict__
    return {key: value for key in _case_defaults() if (value := held.get(key)) is not None}


def _persistent(session: Session, case: Case, case_id: int) -> None:
    """Make a case just INSERTed persistent as if loaded (every column is set, nothing to write)."""
    case.id = case_id
    attach_as_loaded(session, case)


def do_create_case(session: Session, body: CaseCreate, actor: Actor, *, now: datetime | None = None,
                   follow_up: bool = True) -> Case:
    """Receive a case. `follow_up=False` when the caller decides what happens next itself (the
    console's assign/answer/merge at intake), so no automatic step (e.g. auto-assignment) runs."""
    now = now or utcnow()
    body, existing = _received(session, body)
    if existing is not None:
        return existing
    return _create_received(session, body, actor, now, follow_up)


def _create_received(session: Session, body: CaseCreate, actor: Actor, now: datetime, follow_up: bool) -> Case:
    """do_create_case after `_received` found no earlier case for the body."""
    case = _new_case(session, body, actor, now)
    hooks.prepare(session, case)  # e.g. routing: suggestions, and category/town when not given
    # A plain INSERT … RETURNING id rather than the unit of work: the intake's hottest step.
    _persistent(session, case, insert_rows(session, _CASES, [_written(case)], return_ids=True)[0])
    _finish(session, case, "create", actor, now, None, "受理诉求", {"channel": body.channel})
    if follow_up:
        hooks.follow_up(session, case, now)
    return case


def do_receive_case(session: Session, body: CaseCreate, actor: Actor, *, now: datetime | None = None,
                    follow_up: bool = True) -> tuple[Case, bool]:
    """`do_create_case`, also when a retry races its first attempt: with a sender's record
    (source system and id) not yet committed by another transaction, this INSERT waits for it and
    the unique index refuses it; the first attempt's case is then the answer. (case, created)."""
    now = now or utcnow()
    body, existing = _received(session, body)
    if existing is not None:
        return existing, False
    if not (body.source_system and body.source_id):
        return _create_received(session, body, actor, now, follow_up), True
    try:
        with session.begin_nested():
            return _create_received(session, body, actor, now, follow_up), True
    except IntegrityError:
        _, existing = _received(session, body)
        if existing is None:
            raise
        return existing, False


def enter_state(case: Case, act: wf.Action, now: datetime) -> None:
    """Set the case's status and flags to what the workflow says `act` leads to, with the stage's
    timestamp (and closed_at when it closes now)."""
    from_status = case.status
    new_state = wf.apply(state_of(case), act)
    case.status, case.suspended, case.rated, case.merged = (
        new_state.status.value, new_state.suspended, new_state.rated, new_state.merged)
    if act in STAGE_STAMP:
        setattr(case, STAGE_STAMP[act], now)
    if new_state.status is wf.Status.CLOSED and from_status != wf.Status.CLOSED.value:
        case.closed_at = now


def do_action(session: Session, case_id: int, action: str, body: ActionBody, actor: Actor, *,
              now: datetime | None = None) -> Case:
    """Take `action` on a case for `actor`. Raises NotFound, Forbidden, Conflict or InvalidField."""
    try:
        act = wf.Action(action)
    except ValueError:
        raise NotFound(f"未知操作 {action}") from None
    now = now or utcnow()
    case = lock_case(session, case_id)
    ensure_visible(session, case, actor)
    allowed = allowed_for(session, case, actor)
    if act.value not in allowed:
        if act in wf.allowed_actions(state_of(case)):
            error = refusal(session, case, actor, act) if _permitted(
                actor, act, *_authority(session, case, actor)) else None
            if error is not None:
                error.extra["allowed_actions"] = allowed
                raise error
            raise Forbidden(allowed_actions=allowed)
        raise Conflict(f"案件当前状态（{case.status}）不允许「{act.value}」", allowed_actions=allowed)
    from minsheng.cases.actions import APPLY  # the per-action field changes

    from_status, was = case.status, scope_fields(case)
    note, data = APPLY[act](session, case, body, actor, now)
    enter_state(case, act, now)
    _finish(session, case, act.value, actor, now, from_status, note, data, was)
    if case.status == wf.Status.CLOSED.value and from_status != wf.Status.CLOSED.value:
        close_linked_duplicates(session, case, actor, now)
    return case


def do_escalate_many(session: Session, items: list[tuple[Case, str]], actor: Actor, now: datetime) -> list[Case]:
    """Escalate cases the caller has locked one command level each, with a reason: what
    do_action(…, "escalate") does, for a batch with one flush (the SLA worker's breaches).
    Cases the workflow does not allow to escalate (a waiting duplicate, a closed case) are left."""
    from minsheng.cases.actions import APPLY

    done = []
    with session.no_autoflush:
        for case, reason in items:
            if wf.Action.ESCALATE not in wf.allowed_actions(state_of(case)):
                continue
            was = scope_fields(case)
            note, data = APPLY[wf.Action.ESCALATE](session, case, ActionBody(reason=reason), actor, now)
            case.updated_at = now
            done.append((case, data, was, _event_values(case, wf.Action.ESCALATE.value, actor, now, case.status,
                                                        note, data)))
    session.flush()  # every case's changes in one executemany, then every timeline line in one INSERT
    events = record_events(session, [(case, values) for case, _, _, values in done])
    for (case, data, was, _), event in zip(done, events, strict=True):
        hooks.run(session, hooks.Transition(case, "escalate", case.status, case.status, actor, now, event, data))
        announce(session, "case", case.id, action="escalate", status=case.status, number=case.number,
                 track=case.track, priority=case.priority, **scope_fields(case), was=was)
    return [case for case, *_ in done]


def close_linked_duplicates(session: Session, master: Case, actor: Actor, now: datetime) -> None:
    """Duplicates merged into a master close with it and carry its answer to their citizens."""
    linked = session.scalars(for_update(select(Case).where(
        Case.master_case_id == master.id, Case.status != wf.Status.CLOSED.value), session, fresh=True)).all()
    for dup in linked:
        from_status = dup.status
        dup.public_answer = master.public_answer
        dup.feedback_text = master.feedback_text
        dup.status, dup.closed_at = wf.Status.CLOSED.value, now
        _finish(session, dup, wf.Action.CLOSE.value, actor, now, from_status,
                f"随主案件 {master.number} 办结", {"master_case_id": master.id})
