"""Who may take which proposal action (pure)."""

from __future__ import annotations

import pytest

from minsheng.cases.permissions import ROLES
from minsheng.proposals.permissions import Relation, may, may_register
from minsheng.proposals.workflow import Action

A = Action
CENTRE = Relation(centre=True, host=True)  # the centre's unit covers every unit below it
HOST = Relation(host=True, host_exact=True)
HOST_ABOVE = Relation(host=True)  # a town sub-centre above a village host
ASSIST = Relation(assist=True)
NONE = Relation()

UNIT_WORK = (A.SIGN, A.RETURN, A.RECORD_CONTACT, A.ADD_NOTE, A.DRAFT_REPLY, A.DELIVER)


@pytest.mark.parametrize("action", UNIT_WORK)
def test_the_host_units_workers_do_the_handling(action: Action) -> None:
    assert may("handler", HOST, action) and may("town_dispatcher", HOST_ABOVE, action)
    assert not may("handler", ASSIST, action)
    assert not may("leader", HOST, action)
    assert not may("city_dispatcher", CENTRE, action)  # the centre does not write the unit's record


def test_only_the_host_units_own_leader_approves() -> None:
    for action in (A.APPROVE_REPLY, A.RETURN_REPLY):
        assert may("leader", HOST, action)
        assert not may("leader", HOST_ABOVE, action)
        assert not may("leader", CENTRE, action)
        assert not may("handler", HOST, action)


def test_centre_roles() -> None:
    assert may("city_dispatcher", CENTRE, A.ASSIGN) and may("supervisor", CENTRE, A.RATE)
    assert not may("city_dispatcher", HOST, A.ASSIGN)  # a dispatcher outside the centre
    assert may("editor", CENTRE, A.PUBLISH) and may("supervisor", CENTRE, A.UNPUBLISH)
    assert not may("editor", CENTRE, A.ASSIGN) and not may("city_dispatcher", CENTRE, A.PUBLISH)
    assert may_register("supervisor", True) and not may_register("supervisor", False)
    assert not may_register("handler", True)


def test_assisting_units_give_opinions() -> None:
    assert may("handler", ASSIST, A.ADD_OPINION)
    assert not may("handler", HOST, A.ADD_OPINION) and not may("leader", ASSIST, A.ADD_OPINION)


@pytest.mark.parametrize("role", ROLES)
def test_nobody_without_a_relation_acts_except_admin(role: str) -> None:
    for action in Action:
        assert may(role, NONE, action) is (role == "admin")
