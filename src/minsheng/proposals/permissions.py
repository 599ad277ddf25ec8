"""Who may take which proposal action (pure): by role and by the actor's relation to the proposal.

- The centre's proposal office (city dispatchers, supervisors) registers, assigns (交办) and records
  the proposer's rating; an editor or a supervisor publishes the tracking page.
- The host unit's handlers (and a town sub-centre's dispatchers) sign, contact, note, reply, deliver.
- The leader of the host unit approves the reply or sends it back (the `leader` role of that unit).
- Assisting units' handlers give their opinions (协办意见).
"""

from __future__ import annotations

from dataclasses import dataclass

from minsheng.proposals.workflow import Action

A = Action
UNIT_WORKERS = frozenset({"handler", "town_dispatcher"})
CENTRE_OFFICE = frozenset({"city_dispatcher", "supervisor"})
PUBLISHERS = frozenset({"editor", "supervisor"})
# Roles at the centre that may register and import proposals.
INTAKE_ROLES = CENTRE_OFFICE


@dataclass(frozen=True)
class Relation:
    """How the actor stands to one proposal."""

    centre: bool = False  # the actor belongs to the city centre (sees everything)
    host: bool = False  # the actor's unit is the host unit or above it
    host_exact: bool = False  # the actor's unit is the host unit itself
    assist: bool = False  # the actor's unit is (or is above) an assisting unit


def may(role: str, rel: Relation, action: Action) -> bool:
    if role == "admin":
        return True
    if action in (A.ASSIGN, A.RATE):
        return rel.centre and role in CENTRE_OFFICE
    if action in (A.PUBLISH, A.UNPUBLISH):
        return rel.centre and role in PUBLISHERS
    if action in (A.APPROVE_REPLY, A.RETURN_REPLY):
        return rel.host_exact and role == "leader"
    if action is A.ADD_OPINION:
        return rel.assist and role in UNIT_WORKERS
    # sign, return, record_contact, add_note, draft_reply, deliver: the host unit's own work
    return rel.host and role in UNIT_WORKERS


def may_register(role: str, centre: bool) -> bool:
    return role == "admin" or (centre and role in INTAKE_ROLES)
