"""Every (status, action) pair of the pure workflow, without a database."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minsheng.cases.workflow import (
    Action,
    CaseState,
    IllegalTransition,
    Status,
    allowed_actions,
    apply,
)

A, S = Action, Status

# The lifecycle of DESIGN.md, written out independently of the TRANSITIONS table.
EXPECTED: dict[tuple[Status, Action], Status] = {
    (S.RECEIVED, A.ANSWER_DIRECTLY): S.CLOSED,
    (S.RECEIVED, A.ASSIGN): S.ASSIGNED,
    (S.RECEIVED, A.CLOSE): S.CLOSED,
    (S.RECEIVED, A.MERGE): S.RECEIVED,
    (S.ASSIGNED, A.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, A.SIGN): S.SIGNED,
    (S.ASSIGNED, A.RETURN): S.RECEIVED,
    (S.ASSIGNED, A.MERGE): S.ASSIGNED,
    (S.SIGNED, A.ASSIGN): S.ASSIGNED,  # 改派 after a raise: the new unit signs afresh
    (S.SIGNED, A.DISPATCH_TEAM): S.DISPATCHED,
    (S.SIGNED, A.FEEDBACK): S.REPLIED,
    (S.SIGNED, A.RETURN): S.RECEIVED,
    (S.SIGNED, A.MERGE): S.SIGNED,
    (S.DISPATCHED, A.ARRIVE): S.ON_SITE,
    (S.ON_SITE, A.FEEDBACK): S.REPLIED,
    (S.REPLIED, A.APPROVE): S.CLOSED,
    (S.REPLIED, A.REJECT): S.SIGNED,
    (S.CLOSED, A.CALLBACK): S.CLOSED,
    (S.CLOSED, A.REOPEN): S.ASSIGNED,
}
for _s in S:
    if _s is not S.CLOSED:
        EXPECTED[(_s, A.ESCALATE)] = _s
        if _s is not S.REPLIED:
            EXPECTED[(_s, A.SUSPEND)] = _s


@pytest.mark.parametrize(("status", "action"), list(itertools.product(S, A)))
def test_every_pair_of_a_plain_case(status: Status, action: Action) -> None:
    state = CaseState(status)
    if (status, action) in EXPECTED:
        assert apply(state, action).status is EXPECTED[(status, action)]
        assert action in allowed_actions(state)
    else:
        with pytest.raises(IllegalTransition) as info:
            apply(state, action)
        assert info.value.allowed == allowed_actions(state)
        assert action not in info.value.allowed


@pytest.mark.parametrize(("status", "action"), list(itertools.product(S, A)))
def test_every_pair_of_a_suspended_case(status: Status, action: Action) -> None:
    state = CaseState(status, suspended=True)
    legal = status is not S.CLOSED and action in (A.RESUME, A.ESCALATE) and not (
        status is S.REPLIED and action is A.RESUME)
    if legal:
        after = apply(state, action)
        assert after.status is status
        assert after.suspended is (action is not A.RESUME)
    else:
        with pytest.raises(IllegalTransition):
            apply(state, action)


@pytest.mark.parametrize(("status", "action"), list(itertools.product(S, A)))
def test_every_pair_of_a_merged_duplicate(status: Status, action: Action) -> None:
    state = CaseState(status, merged=True)
    legal = action is A.CALLBACK if status is S.CLOSED else action is A.CLOSE
    if legal:
        assert apply(state, action).status is S.CLOSED
    else:
        with pytest.raises(IllegalTransition):
            apply(state, action)


def test_the_full_lifecycle() -> None:
    state = CaseState(S.RECEIVED)
    for action, expected in [(A.ASSIGN, S.ASSIGNED), (A.SIGN, S.SIGNED), (A.DISPATCH_TEAM, S.DISPATCHED),
                             (A.ARRIVE, S.ON_SITE), (A.FEEDBACK, S.REPLIED), (A.REJECT, S.SIGNED),
                             (A.FEEDBACK, S.REPLIED), (A.APPROVE, S.CLOSED), (A.CALLBACK, S.CLOSED)]:
        state = apply(state, action)
        assert state.status is expected
    assert state.rated
    with pytest.raises(IllegalTransition):
        apply(state, A.CALLBACK)  # one rating per handling
    state = apply(state, A.REOPEN)
    assert state.status is S.ASSIGNED and not state.rated


def test_suspend_then_resume_keeps_the_status() -> None:
    state = apply(CaseState(S.SIGNED), A.SUSPEND)
    assert state.suspended and allowed_actions(state) == [A.RESUME, A.ESCALATE]
    assert apply(state, A.RESUME) == CaseState(S.SIGNED)


def test_merge_marks_the_duplicate_and_only_close_remains() -> None:
    state = apply(CaseState(S.ASSIGNED), A.MERGE)
    assert state.merged and allowed_actions(state) == [A.CLOSE]


@given(st.lists(st.sampled_from(list(A)), max_size=40))
def test_random_walks_stay_consistent(actions: list[Action]) -> None:
    """allowed_actions() is exactly the set of actions apply() accepts, in any reachable state."""
    state = CaseState(S.RECEIVED)
    for action in actions:
        allowed = allowed_actions(state)
        for candidate in A:
            try:
                apply(state, candidate)
                assert candidate in allowed
            except IllegalTransition:
                assert candidate not in allowed
        if action in allowed:
            state = apply(state, action)
    assert state.status in S
