"""The case lifecycle as a pure table. No I/O: every (status, action) pair is testable alone.

received ─assign→ assigned ─sign→ signed ─dispatch_team→ dispatched ─arrive→ on_site ─feedback→ replied
signed ─feedback→ replied ─approve→ closed;  replied ─reject→ signed;  assigned/signed ─return→ received
signed ─assign→ assigned: the commanding level reassigns (改派) a case its unit signed for but cannot settle
(after a raise up the ladder, or to form a group); the new unit signs afresh.
received ─answer_directly/close→ closed;  closed ─callback→ closed;  closed ─reopen→ assigned
Any open case may be suspended (clocks paused) and resumed, and escalated one command level.
A duplicate is merged into a master case: it waits, linked, and is closed when the master closes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Status(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    SIGNED = "signed"
    DISPATCHED = "dispatched"
    ON_SITE = "on_site"
    REPLIED = "replied"
    CLOSED = "closed"


class Action(StrEnum):
    ANSWER_DIRECTLY = "answer_directly"
    ASSIGN = "assign"
    RETURN = "return"
    SIGN = "sign"
    DISPATCH_TEAM = "dispatch_team"
    ARRIVE = "arrive"
    FEEDBACK = "feedback"
    APPROVE = "approve"
    REJECT = "reject"
    CLOSE = "close"
    CALLBACK = "callback"
    REOPEN = "reopen"
    SUSPEND = "suspend"
    RESUME = "resume"
    ESCALATE = "escalate"
    MERGE = "merge"


S, A = Status, Action
SAME = None  # the action leaves the status as it is

TRANSITIONS: dict[tuple[Status, Action], Status | None] = {
    (S.RECEIVED, A.ANSWER_DIRECTLY): S.CLOSED,
    (S.RECEIVED, A.ASSIGN): S.ASSIGNED,
    (S.RECEIVED, A.CLOSE): S.CLOSED,
    (S.RECEIVED, A.MERGE): SAME,
    (S.ASSIGNED, A.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, A.SIGN): S.SIGNED,
    (S.ASSIGNED, A.RETURN): S.RECEIVED,
    (S.ASSIGNED, A.MERGE): SAME,
    (S.SIGNED, A.ASSIGN): S.ASSIGNED,
    (S.SIGNED, A.DISPATCH_TEAM): S.DISPATCHED,
    (S.SIGNED, A.FEEDBACK): S.REPLIED,
    (S.SIGNED, A.RETURN): S.RECEIVED,
    (S.SIGNED, A.MERGE): SAME,
    (S.DISPATCHED, A.ARRIVE): S.ON_SITE,
    (S.ON_SITE, A.FEEDBACK): S.REPLIED,
    (S.REPLIED, A.APPROVE): S.CLOSED,
    (S.REPLIED, A.REJECT): S.SIGNED,
    (S.CLOSED, A.CALLBACK): SAME,
    (S.CLOSED, A.REOPEN): S.ASSIGNED,
}
OPEN_STATUSES = frozenset(s for s in Status if s is not S.CLOSED)
for _open in OPEN_STATUSES:
    TRANSITIONS[(_open, A.ESCALATE)] = SAME
    TRANSITIONS[(_open, A.CLOSE)] = S.CLOSED  # any status for a merged duplicate; see _guard
    if _open is not S.REPLIED:
        TRANSITIONS[(_open, A.SUSPEND)] = SAME
        TRANSITIONS[(_open, A.RESUME)] = SAME

# While suspended only these make sense; everything else waits for resume.
WHILE_SUSPENDED = frozenset({A.RESUME, A.ESCALATE})


@dataclass(frozen=True)
class CaseState:
    status: Status
    suspended: bool = False
    rated: bool = False
    merged: bool = False


class IllegalTransition(Exception):
    def __init__(self, state: CaseState, action: Action) -> None:
        self.state, self.action = state, action
        self.allowed = allowed_actions(state)
        super().__init__(f"{action} is not allowed in {state.status}{' (suspended)' if state.suspended else ''}")


def _guard(state: CaseState, action: Action) -> bool:
    if (state.status, action) not in TRANSITIONS:
        return False
    if state.merged and state.status is not S.CLOSED:
        return action is A.CLOSE  # a linked duplicate only waits to be closed with its master
    if action is A.CLOSE and state.status is not S.RECEIVED:
        return False  # an unmerged case is closed by hand only before it is assigned
    if state.suspended:
        return action in WHILE_SUSPENDED
    if action is A.RESUME:
        return False
    if action is A.CALLBACK:
        return not state.rated
    if action is A.REOPEN:
        return not state.merged
    return True


def allowed_actions(state: CaseState) -> list[Action]:
    return [a for a in Action if _guard(state, a)]


def apply(state: CaseState, action: Action) -> CaseState:
    """The state after `action`, or IllegalTransition."""
    if not _guard(state, action):
        raise IllegalTransition(state, action)
    target = TRANSITIONS[(state.status, action)]
    new = replace(state, status=target) if target is not SAME else state
    if action is A.SUSPEND:
        new = replace(new, suspended=True)
    elif action is A.RESUME:
        new = replace(new, suspended=False)
    elif action is A.CALLBACK:
        new = replace(new, rated=True)
    elif action is A.MERGE:
        new = replace(new, merged=True)
    elif action is A.REOPEN:
        new = replace(new, rated=False)
    return new
