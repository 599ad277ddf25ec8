"""Typical-case workflow (pure): every status/action pair, and who may act."""

from __future__ import annotations

import itertools

import pytest

from minsheng.publishing.workflow import (
    TRANSITIONS,
    Action,
    IllegalTransition,
    Status,
    allowed_actions,
    apply,
    role_may,
)

S, A = Status, Action


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
def test_every_pair(status: Status, action: Action) -> None:
    if (status, action) in TRANSITIONS:
        assert apply(status, action) is TRANSITIONS[(status, action)]
        assert action in allowed_actions(status)
    else:
        with pytest.raises(IllegalTransition):
            apply(status, action)


def test_nothing_is_published_without_submission_and_withdrawn_is_final() -> None:
    assert [s for (s, a), target in TRANSITIONS.items() if target is S.PUBLISHED] == [S.SUBMITTED]
    assert allowed_actions(S.WITHDRAWN) == []


def test_the_editor_writes_and_the_leader_decides() -> None:
    assert role_may("editor", A.WRITE) and role_may("editor", A.SUBMIT) and not role_may("editor", A.APPROVE)
    assert role_may("leader", A.APPROVE) and role_may("leader", A.RETURN) and not role_may("leader", A.WRITE)
    assert not role_may("supervisor", A.APPROVE) and not role_may("handler", A.WITHDRAW)
