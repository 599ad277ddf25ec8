"""The handling of a deputy's suggestion or a CPPCC member's proposal, as a pure table. No I/O.

registered ─assign→ assigned ─sign→ signed ─record_contact→ contacted ─draft_reply→ replied
replied ─approve_reply→ approved ─deliver→ delivered ─rate→ closed
assigned/signed ─return (申请调整, reason)→ registered;  replied ─return_reply (退回修改)→ contacted
delivered ─rate 不满意→ signed again, round 2 (second handling: a new contact and a new reply are due)

A reply can only be drafted, and only be delivered, after a contact with the proposer has been
recorded in the current round. Notes (site surveys, legal checks, progress) and the assisting
units' opinions leave the status as it is. A delivered or closed proposal may be published.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Status(StrEnum):
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    SIGNED = "signed"
    CONTACTED = "contacted"
    REPLIED = "replied"
    APPROVED = "approved"
    DELIVERED = "delivered"
    CLOSED = "closed"


class Action(StrEnum):
    ASSIGN = "assign"
    RETURN = "return"
    SIGN = "sign"
    RECORD_CONTACT = "record_contact"
    ADD_NOTE = "add_note"
    ADD_OPINION = "add_opinion"
    DRAFT_REPLY = "draft_reply"
    APPROVE_REPLY = "approve_reply"
    RETURN_REPLY = "return_reply"
    DELIVER = "deliver"
    RATE = "rate"
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"


STATUS_LABELS = {
    "registered": "待交办", "assigned": "待签收", "signed": "办理中", "contacted": "已联系代表委员",
    "replied": "答复待审批", "approved": "答复已审批", "delivered": "已答复待评价", "closed": "已办结",
}
ACTION_LABELS = {
    "create": "登记", "assign": "交办", "return": "申请调整", "sign": "签收", "record_contact": "联系沟通",
    "add_note": "办理记录", "add_opinion": "协办意见", "draft_reply": "拟写答复", "approve_reply": "领导审批",
    "return_reply": "退回修改", "deliver": "送达答复", "rate": "征询意见", "publish": "公开",
    "unpublish": "撤回公开", "clock_warning": "时限预警", "clock_breach": "超时督办", "attach": "上传附件",
}
MAX_ROUNDS = 2  # the first handling and one second handling after 不满意

S, A = Status, Action
SAME = None  # the action leaves the status as it is
HANDLING = (S.SIGNED, S.CONTACTED, S.REPLIED, S.APPROVED, S.DELIVERED)

TRANSITIONS: dict[tuple[Status, Action], Status | None] = {
    (S.REGISTERED, A.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, A.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, A.RETURN): S.REGISTERED,
    (S.SIGNED, A.RETURN): S.REGISTERED,
    (S.ASSIGNED, A.SIGN): S.SIGNED,
    (S.SIGNED, A.RECORD_CONTACT): S.CONTACTED,
    (S.CONTACTED, A.DRAFT_REPLY): S.REPLIED,
    (S.REPLIED, A.DRAFT_REPLY): SAME,  # revise the draft
    (S.REPLIED, A.APPROVE_REPLY): S.APPROVED,
    (S.REPLIED, A.RETURN_REPLY): S.CONTACTED,
    (S.APPROVED, A.DELIVER): S.DELIVERED,
    (S.DELIVERED, A.RATE): S.CLOSED,  # or back to SIGNED for a second handling; see apply()
    (S.DELIVERED, A.PUBLISH): SAME,
    (S.CLOSED, A.PUBLISH): SAME,
}
for _status in (S.CONTACTED, S.REPLIED, S.APPROVED, S.DELIVERED):
    TRANSITIONS[(_status, A.RECORD_CONTACT)] = SAME
for _status in HANDLING:
    TRANSITIONS[(_status, A.ADD_NOTE)] = SAME
for _status in (S.ASSIGNED, S.SIGNED, S.CONTACTED, S.REPLIED):
    TRANSITIONS[(_status, A.ADD_OPINION)] = SAME
for _status in Status:
    TRANSITIONS[(_status, A.UNPUBLISH)] = SAME
# While a published proposal is in its second handling its page stays up and may be updated.
for _status in HANDLING:
    TRANSITIONS.setdefault((_status, A.PUBLISH), SAME)


@dataclass(frozen=True)
class ProposalState:
    status: Status
    round: int = 1
    contacted: bool = False  # a contact with the proposer is recorded in this round
    published: bool = False
    replied_once: bool = False  # a reply was delivered at least once (needed to publish)


class IllegalTransition(Exception):
    def __init__(self, state: ProposalState, action: Action) -> None:
        self.state, self.action = state, action
        self.allowed = allowed_actions(state)
        super().__init__(f"{action} is not allowed in {state.status} (round {state.round})")


def _guard(state: ProposalState, action: Action) -> bool:
    if (state.status, action) not in TRANSITIONS:
        return False
    if action in (A.DRAFT_REPLY, A.DELIVER):
        return state.contacted  # no reply before a contact with the proposer
    if action is A.RETURN:
        return state.round == 1  # 申请调整 only at the start of the first handling
    if action is A.PUBLISH:
        return state.replied_once
    if action is A.UNPUBLISH:
        return state.published
    return True


def allowed_actions(state: ProposalState) -> list[Action]:
    return [a for a in Action if _guard(state, a)]


def apply(state: ProposalState, action: Action, *, unsatisfied: bool = False) -> ProposalState:
    """The state after `action` (for RATE, `unsatisfied` says whether the proposer was not satisfied)."""
    if not _guard(state, action):
        raise IllegalTransition(state, action)
    target = TRANSITIONS[(state.status, action)]
    new = replace(state, status=target) if target is not SAME else state
    if action is A.RECORD_CONTACT:
        new = replace(new, contacted=True)
    elif action is A.RETURN:
        new = replace(new, contacted=False)
    elif action is A.DELIVER:
        new = replace(new, replied_once=True)
    elif action is A.RATE and reopens(state, unsatisfied):
        new = replace(new, status=S.SIGNED, round=state.round + 1, contacted=False)
    elif action is A.PUBLISH:
        new = replace(new, published=True)
    elif action is A.UNPUBLISH:
        new = replace(new, published=False)
    return new


def reopens(state: ProposalState, unsatisfied: bool) -> bool:
    """不满意 opens a second handling, once; a second 不满意 is recorded and the proposal closes."""
    return unsatisfied and state.round < MAX_ROUNDS
