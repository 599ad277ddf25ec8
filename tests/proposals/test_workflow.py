"""The proposal workflow table, pair by pair, without a database."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minsheng.proposals.workflow import (
    MAX_ROUNDS,
    TRANSITIONS,
    Action,
    IllegalTransition,
    ProposalState,
    Status,
    allowed_actions,
    apply,
)

S, A = Status, Action

EXPECTED_TARGETS = {
    (S.REGISTERED, A.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, A.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, A.RETURN): S.REGISTERED,
    (S.SIGNED, A.RETURN): S.REGISTERED,
    (S.ASSIGNED, A.SIGN): S.SIGNED,
    (S.SIGNED, A.RECORD_CONTACT): S.CONTACTED,
    (S.CONTACTED, A.DRAFT_REPLY): S.REPLIED,
    (S.REPLIED, A.DRAFT_REPLY): S.REPLIED,
    (S.REPLIED, A.APPROVE_REPLY): S.APPROVED,
    (S.REPLIED, A.RETURN_REPLY): S.CONTACTED,
    (S.APPROVED, A.DELIVER): S.DELIVERED,
    (S.DELIVERED, A.RATE): S.CLOSED,
}


def state(status: Status, **kw: object) -> ProposalState:
    defaults: dict[str, object] = {"contacted": status in (S.CONTACTED, S.REPLIED, S.APPROVED, S.DELIVERED),
                                   "replied_once": status in (S.DELIVERED, S.CLOSED)}
    return ProposalState(status, **{**defaults, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
def test_every_status_action_pair(status: Status, action: Action) -> None:
    st_ = state(status)
    expected = EXPECTED_TARGETS.get((status, action))
    if expected is not None:
        assert apply(st_, action).status is expected
    elif (status, action) in TRANSITIONS and action in allowed_actions(st_):
        assert apply(st_, action).status is status  # the action records something and leaves the status
    else:
        with pytest.raises(IllegalTransition):
            apply(st_, action)


def test_the_happy_path_reaches_closed() -> None:
    s = ProposalState(S.REGISTERED)
    for action in (A.ASSIGN, A.SIGN, A.RECORD_CONTACT, A.ADD_NOTE, A.DRAFT_REPLY, A.APPROVE_REPLY, A.DELIVER, A.RATE):
        s = apply(s, action)
    assert s == ProposalState(S.CLOSED, round=1, contacted=True, published=False, replied_once=True)


@pytest.mark.parametrize("status", [S.CONTACTED, S.REPLIED, S.APPROVED])
def test_no_reply_without_a_contact_in_this_round(status: Status) -> None:
    bare = state(status, contacted=False)
    assert A.DRAFT_REPLY not in allowed_actions(bare) and A.DELIVER not in allowed_actions(bare)
    with pytest.raises(IllegalTransition):
        apply(bare, A.DRAFT_REPLY if status is not S.APPROVED else A.DELIVER)


def test_unsatisfied_reopens_once_then_closes() -> None:
    delivered = state(S.DELIVERED)
    second = apply(delivered, A.RATE, unsatisfied=True)
    assert second == ProposalState(S.SIGNED, round=2, contacted=False, published=False, replied_once=True)
    assert A.DRAFT_REPLY not in allowed_actions(second)
    assert A.RETURN not in allowed_actions(second)  # no 申请调整 in the second handling
    again = state(S.DELIVERED, round=MAX_ROUNDS)
    assert apply(again, A.RATE, unsatisfied=True).status is S.CLOSED
    assert apply(delivered, A.RATE, unsatisfied=False).status is S.CLOSED


def test_publication_needs_a_delivered_reply_and_survives_a_second_handling() -> None:
    assert A.PUBLISH not in allowed_actions(state(S.APPROVED))
    published = apply(state(S.DELIVERED), A.PUBLISH)
    assert published.published and A.UNPUBLISH in allowed_actions(published)
    reopened = apply(published, A.RATE, unsatisfied=True)
    assert reopened.published and A.PUBLISH in allowed_actions(reopened)
    assert not apply(reopened, A.UNPUBLISH).published
    assert A.UNPUBLISH not in allowed_actions(state(S.CLOSED))


@given(st.lists(st.sampled_from(list(Action)), max_size=40), st.lists(st.booleans(), min_size=40, max_size=40))
def test_any_sequence_keeps_the_invariants(actions: list[Action], moods: list[bool]) -> None:
    """Whatever happens: no status without its precondition, rounds never exceed the maximum."""
    s = ProposalState(S.REGISTERED)
    for action, unsatisfied in zip(actions, moods, strict=False):
        if action not in allowed_actions(s):
            with pytest.raises(IllegalTransition):
                apply(s, action, unsatisfied=unsatisfied)
            continue
        before = s
        s = apply(s, action, unsatisfied=unsatisfied)
        if s.status in (S.REPLIED, S.APPROVED, S.DELIVERED):
            assert s.contacted
        if action is A.DELIVER:
            assert before.contacted
        assert 1 <= s.round <= MAX_ROUNDS
        assert not s.published or s.replied_once
