"""Shared helpers for the proposal tests: a sample suggestion and a way to drive actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.web.conftest import console  # noqa: F401  (the console's signed-in client, for the page tests)

SESSION = "2026年市人大十七届六次会议"
SAMPLE: dict[str, Any] = {
    "kind": "suggestion",
    "number": "12",
    "session_name": SESSION,
    "category": "城乡建设",
    "title": "关于加快老旧小区加装电梯的建议",
    "lead_name": "沈建华",
    "lead_constituency": "当湖街道代表团",
    "co_signers": [{"name": "陆美芳", "constituency": "当湖街道代表团"},
                   {"name": "顾志强", "constituency": "钟埭街道代表团"}],
    "background": "当湖街道多个老旧小区建于上世纪九十年代，六层无电梯，老年住户上下楼困难，居民加装电梯意愿强烈。",
    "demands": "一是简化加装电梯审批流程；二是加大财政补助；三是协调低层住户意见。",
}


def new_proposal(client: Any, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    resp = client.post("/api/v1/proposals", json={**SAMPLE, **overrides}, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def contact_body(**overrides: Any) -> dict[str, Any]:
    return {"method": "meeting", "occurred_on": "2026-11-25", "people": "沈建华代表、市住建局副局长王建国、科员李明",
            "place": "市住建局三楼会议室",
            "content": "当面听取沈建华代表意见，王建国介绍了加装电梯补助政策，居民钱伟（电话13912345678）一并参加。",
            **overrides}


@pytest.fixture
def do(client: Any, login: Callable[[str], dict[str, str]]) -> Callable[..., Any]:
    """do('zjj', pid, 'sign', expect=200, **body) → the response JSON."""

    def _do(username: str, pid: int, path: str, expect: int = 200, **body: Any) -> Any:
        resp = client.post(f"/api/v1/proposals/{pid}/{path}", json=body, headers=login(username))
        assert resp.status_code == expect, resp.text
        return resp.json()

    return _do


@pytest.fixture
def assigned(client: Any, login: Callable[[str], dict[str, str]], do: Callable[..., Any]) -> int:
    """A suggestion assigned to 市住建局 (host) with 市综合行政执法局 assisting."""
    pid = new_proposal(client, login("citydisp"))["id"]
    do("citydisp", pid, "assign", host_unit="ZJJ", assist_units=["ZFJ"])
    return int(pid)


@pytest.fixture
def delivered(assigned: int, do: Callable[..., Any]) -> int:
    """The sample suggestion signed, contacted, replied (class B), approved and delivered."""
    do("zjj", assigned, "sign")
    do("zjj", assigned, "contacts", **contact_body())
    do("zjj", assigned, "reply", classification="B",
       text="经研究，我局已会同财政部门修订加装电梯补助办法，每台补助提高到二十万元，2027年起实施。")
    do("zjj_leader", assigned, "approve-reply")
    do("zjj", assigned, "deliver", method="in_person")
    return assigned
