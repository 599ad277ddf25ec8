"""Intake in batches: what `service.do_create_case` does for many requests in one transaction.

The API's group commit (api/group_commit.py) hands over the requests that arrived while the
previous batch was being written. The effects are those of one do_create_case per request, in
fewer statements: one look-up of retried source records, one multi-row INSERT of the cases and
one of their timeline lines, and the transition listeners' batch forms (`hooks.run_many`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, select, tuple_
from sqlalchemy.orm import Session

from minsheng.cases import hooks
from minsheng.cases import workflow as wf
from minsheng.cases.models import Case
from minsheng.cases.schemas import ActionBody, CaseCreate
from minsheng.cases.service import (
    _CASES,
    _event_values,
    _new_case,
    _persistent,
    _written,
    allowed_for,
    enter_state,
    record_events,
    scope_fields,
)
from minsheng.clock import utcnow
from minsheng.db import insert_rows
from minsheng.directory.actors import Actor
from minsheng.directory.models import Unit
from minsheng.events.publish import announce

SourceKey = tuple[str, str]


def _source_key(body: CaseCreate) -> SourceKey | None:
    return (body.source_system, body.source_id) if body.source_system and body.source_id else None


def _retried(session: Session, bodies: list[CaseCreate]) -> dict[SourceKey, Case]:
    """Cases already created for any of the bodies' source records, in one query."""
    keys = {key for body in bodies if (key := _source_key(body)) is not None}
    if not keys:
        return {}
    found = session.scalars(select(Case).where(tuple_(Case.source_system, Case.source_id).in_(list(keys))))
    return {(c.source_system, c.source_id): c for c in found if c.source_system and c.source_id}


def do_create_cases(session: Session, items: Sequence[tuple[CaseCreate, Actor]], *,
                    now: datetime | None = None) -> list[Case]:
    """Receive many cases at once; the case of each item, in order (a retry gets the earlier case,
    also when the same source record comes twice in one batch). Automatic follow-ups run as usual."""
    now = now or utcnow()
    bodies = [body.model_copy(update={"source_system": body.source_system or None,
                                      "source_id": body.source_id or None}) for body, _ in items]
    known = _retried(session, bodies)
    results: list[Case] = []
    fresh: list[tuple[Case, Actor]] = []
    for body, (_, actor) in zip(bodies, items, strict=True):
        key = _source_key(body)
        if key is not None and key in known:
            results.append(known[key])
            continue
        case = _new_case(session, body, actor, now)
        fresh.append((case, actor))
        results.append(case)
        if key is not None:
            known[key] = case
    hooks.prepare_many(session, [case for case, _ in fresh])  # e.g. routing, one model run for all
    _insert(session, [case for case, _ in fresh])
    data = [{"channel": case.channel} for case, _ in fresh]
    events = record_events(session, [(case, _event_values(case, "create", actor, now, None, "受理诉求", d))
                                     for (case, actor), d in zip(fresh, data, strict=True)])
    hooks.run_many(session, [hooks.Transition(case, "create", None, case.status, actor, now, event, d)
                             for (case, actor), event, d in zip(fresh, events, data, strict=True)])
    for case, _ in fresh:
        announce(session, "case", case.id, action="create", status=case.status, number=case.number,
                 track=case.track, priority=case.priority, **scope_fields(case), was={})
    hooks.follow_up_many(session, [case for case, _ in fresh], now)  # e.g. automatic assignment
    return results


def _insert(session: Session, cases: list[Case]) -> None:
    """One multi-row INSERT … RETURNING id for the batch. A row leaves its NULLs out (`_written`);
    where that is the same as writing NULL, the batch's rows write it, so that cases with and
    without (say) a village share one statement. Rows that still differ in their columns (a JSON
    or defaulted column set in some) get one statement per set of columns."""
    rows = [_written(case) for case in cases]
    fill = _null_same_as_left_out() & set().union(*[row.keys() for row in rows])
    groups: dict[frozenset[str], list[int]] = {}
    for index, row in enumerate(rows):
        for key in fill - row.keys():
            row[key] = None
        groups.setdefault(frozenset(row), []).append(index)
    for indexes in groups.values():
        ids = insert_rows(session, _CASES, [rows[i] for i in indexes], return_ids=True)
        for i, case_id in zip(indexes, ids, strict=True):
            _persistent(session, cases[i], case_id)


@functools.cache
def _null_same_as_left_out() -> frozenset[str]:
    """The cases' columns where a NULL written is what leaving the column out gives: nullable,
    not JSON (None there is JSON null), no default."""
    return frozenset(c.key for c in _CASES.c if c.nullable and not isinstance(c.type, JSON)
                     and c.default is None and c.server_default is None)


def _units_named(session: Session, bodies: list[ActionBody]) -> list[Unit]:
    """The units the bodies name, read in one query. The caller holds the list while it acts: a
    session keeps only objects something refers to, so each case's look-up of its unit would
    otherwise read the unit again."""
    codes = sorted({body.unit for body in bodies if body.unit})
    return list(session.scalars(select(Unit).where(Unit.code.in_(codes)))) if codes else []


def do_action_many(session: Session, items: Sequence[tuple[Case, ActionBody]], action: wf.Action, actor: Actor,
                   now: datetime) -> list[Case]:
    """`service.do_action` of one action by one actor on many cases the caller has locked (or has
    just created): one flush, one INSERT of the timeline lines, the listeners' batch forms. A case
    the workflow, the actor's role or unit, or a domain guard does not allow it on is left out of
    the result. Not for closing actions (their duplicates close with them one by one)."""
    from minsheng.cases.actions import APPLY

    assert action not in (wf.Action.CLOSE, wf.Action.APPROVE, wf.Action.ANSWER_DIRECTLY, wf.Action.CALLBACK)
    # nor for actions that lock another row read afresh (a team, a master case): inside
    # no_autoflush below, that read would overwrite the batch's changes not yet flushed
    assert action not in (wf.Action.DISPATCH_TEAM, wf.Action.ARRIVE, wf.Action.FEEDBACK, wf.Action.MERGE)
    done: list[tuple[Case, str, dict[str, Any], dict[str, str | None], dict[str, Any]]] = []
    with session.no_autoflush:
        held = _units_named(session, [body for _, body in items])
        for case, body in items:
            if action.value not in allowed_for(session, case, actor):
                continue
            from_status, was = case.status, scope_fields(case)
            note, data = APPLY[action](session, case, body, actor, now)
            enter_state(case, action, now)
            case.updated_at = now
            done.append((case, from_status, data, was,
                         _event_values(case, action.value, actor, now, from_status, note, data)))
        del held  # the units were needed until here
    session.flush()  # every case's changes in one executemany, then every timeline line in one INSERT
    events = record_events(session, [(case, values) for case, *_, values in done])
    hooks.run_many(session, [hooks.Transition(case, action.value, from_status, case.status, actor, now, event, data)
                             for (case, from_status, data, _, _), event in zip(done, events, strict=True)])
    for case, _, _, was, _ in done:
        announce(session, "case", case.id, action=action.value, status=case.status, number=case.number,
                 track=case.track, priority=case.priority, **scope_fields(case), was=was)
    return [case for case, *_ in done]
