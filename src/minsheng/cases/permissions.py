"""Who may take which action (pure): by role, and for unit actions, by the handling unit."""

from __future__ import annotations

from minsheng.cases.workflow import Action

A = Action
ROLES = (
    "call_taker", "city_dispatcher", "town_dispatcher", "handler", "team_member",
    "supervisor", "leader", "integration", "admin",
    "editor",  # writes the public versions of typical cases and proposal pages (publishing); no case actions
)
# Roles that may see a citizen's name and phone unmasked (each view is audited).
CONTACT_ROLES = frozenset({"call_taker", "city_dispatcher", "town_dispatcher", "handler", "team_member",
                           "supervisor", "admin"})

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    "call_taker": frozenset({A.ANSWER_DIRECTLY, A.ASSIGN, A.CALLBACK, A.REOPEN, A.MERGE}),
    "city_dispatcher": frozenset({A.ANSWER_DIRECTLY, A.ASSIGN, A.APPROVE, A.REJECT, A.CLOSE, A.CALLBACK,
                                  A.REOPEN, A.SUSPEND, A.RESUME, A.ESCALATE, A.MERGE}),
    "town_dispatcher": frozenset({A.ASSIGN, A.RETURN, A.SIGN, A.DISPATCH_TEAM, A.ARRIVE, A.FEEDBACK,
                                  A.SUSPEND, A.RESUME, A.ESCALATE, A.MERGE}),
    "handler": frozenset({A.RETURN, A.SIGN, A.DISPATCH_TEAM, A.ARRIVE, A.FEEDBACK, A.SUSPEND, A.RESUME,
                          A.ESCALATE}),
    "team_member": frozenset({A.ARRIVE, A.FEEDBACK}),
    "supervisor": frozenset({A.APPROVE, A.REJECT, A.CLOSE, A.CALLBACK, A.REOPEN, A.SUSPEND, A.RESUME,
                             A.ESCALATE}),
    "leader": frozenset(),
    "editor": frozenset(),
    "integration": frozenset(),
    # a citizen rating their own case on the public page (never a user account; see integrations.citizen)
    "citizen": frozenset({A.CALLBACK}),
    "admin": frozenset(Action),
}
# Roles that take in new requests (leaders only read; editors only write public pages; integration
# clients and citizens file through their own channels).
INTAKE_ROLES = frozenset({"call_taker", "city_dispatcher", "town_dispatcher", "handler", "team_member",
                          "supervisor", "admin"})
# Actions taken by the handling unit itself (or a unit above it in the command tree).
UNIT_ACTIONS = frozenset({A.RETURN, A.SIGN, A.DISPATCH_TEAM, A.ARRIVE, A.FEEDBACK})


def role_may(role: str, action: Action) -> bool:
    return action in ROLE_ACTIONS.get(role, frozenset())


def may_create(role: str) -> bool:
    return role in INTAKE_ROLES


def may_attach(role: str) -> bool:
    """Files on a case come from those who work cases (the intake roles), not read-only accounts."""
    return role in INTAKE_ROLES


def unit_covers(user_unit_path: str, case_unit_path: str | None) -> bool:
    """True when the user's unit is the case's handling unit or above it."""
    return case_unit_path is not None and case_unit_path.startswith(user_unit_path)
