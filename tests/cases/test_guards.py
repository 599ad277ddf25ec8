"""Action guards: a domain may refuse an action the workflow, role and unit allow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from minsheng.cases import service
from minsheng.cases.models import Case
from minsheng.cases.workflow import Action
from minsheng.directory.actors import Actor
from minsheng.errors import Conflict, DomainError
from tests.cases.test_views import act, create


def _no_sign_by_zfj(session: Any, case: Case, actor: Actor, action: Action) -> DomainError | None:
    if action is Action.SIGN and actor.unit_code == "ZFJ":
        return Conflict("测试：暂不能签收")
    return None


@pytest.fixture
def guarded() -> Iterator[None]:
    service.action_guards.append(_no_sign_by_zfj)
    yield
    service.action_guards.remove(_no_sign_by_zfj)


def test_a_guard_removes_the_action_and_its_refusal_is_the_answer(client, login, guarded) -> None:
    cid = create(client, login("calltaker"))["id"]
    act(client, login("citydisp"), cid, "assign", unit="ZFJ")
    zfj = login("zfj")
    detail = client.get(f"/api/v1/cases/{cid}", headers=zfj).json()
    assert "sign" not in detail["allowed_actions"] and "return" in detail["allowed_actions"]
    body = act(client, zfj, cid, "sign", expect=409)
    assert body["message"] == "测试：暂不能签收" and "sign" not in body["allowed_actions"]
    # the admin is not refused by this guard
    assert act(client, login("admin"), cid, "sign")["status"] == "signed"


def test_the_role_check_answers_before_a_guard(client, login, guarded) -> None:
    cid = create(client, login("calltaker"))["id"]
    act(client, login("citydisp"), cid, "assign", unit="ZFJ")
    body = act(client, login("calltaker"), cid, "sign", expect=403)  # call-takers never sign
    assert body["code"] == "forbidden"


def test_without_guards_nothing_changes(client, login) -> None:
    cid = create(client, login("calltaker"))["id"]
    act(client, login("citydisp"), cid, "assign", unit="ZFJ")
    assert act(client, login("zfj"), cid, "sign")["status"] == "signed"
