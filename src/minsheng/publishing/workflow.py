"""Typical cases (典型案例), as a pure table: who moves a nomination to publication.

nominated ─write→ drafted ─submit→ submitted ─approve→ published ─withdraw→ withdrawn
submitted ─return (reason)→ drafted;  a nomination not yet published may be withdrawn too.
A supervisor nominates, an editor writes the public version, a leader of the centre approves.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NOMINATED = "nominated"
    DRAFTED = "drafted"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    WRITE = "write"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    WITHDRAW = "withdraw"


STATUS_LABELS = {"nominated": "待撰写", "drafted": "撰写中", "submitted": "待审批", "published": "已发布",
                 "withdrawn": "已撤回"}
ACTION_LABELS = {"nominate": "推荐", "write": "撰写", "submit": "提交审批", "approve": "审批发布",
                 "return": "退回修改", "withdraw": "撤回"}

S, A = Status, Action
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.NOMINATED, A.WRITE): S.DRAFTED,
    (S.DRAFTED, A.WRITE): S.DRAFTED,
    (S.DRAFTED, A.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, A.APPROVE): S.PUBLISHED,
    (S.SUBMITTED, A.RETURN): S.DRAFTED,
    (S.NOMINATED, A.WITHDRAW): S.WITHDRAWN,
    (S.DRAFTED, A.WITHDRAW): S.WITHDRAWN,
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.PUBLISHED, A.WITHDRAW): S.WITHDRAWN,
}
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    "editor": frozenset({A.WRITE, A.SUBMIT}),
    "leader": frozenset({A.APPROVE, A.RETURN, A.WITHDRAW}),
    "supervisor": frozenset({A.WITHDRAW}),
    "admin": frozenset(Action),
}
NOMINATORS = frozenset({"supervisor", "admin"})


class IllegalTransition(Exception):
    def __init__(self, status: Status, action: Action) -> None:
        self.status, self.action = status, action
        super().__init__(f"{action} is not allowed in {status}")


def allowed_actions(status: Status) -> list[Action]:
    return [a for a in Action if (status, a) in TRANSITIONS]


def apply(status: Status, action: Action) -> Status:
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(status, action) from None


def role_may(role: str, action: Action) -> bool:
    return action in ROLE_ACTIONS.get(role, frozenset())
