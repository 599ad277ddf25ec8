"""Shared steps of the group tests: a hard case in 当湖街道 and the calls that drive its group."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from minsheng.db import Database
from minsheng.events.models import OutboxMessage

HARD_CASE = {
    "channel": "12345",
    "content": "水洞埭社区某小区楼下饭店油烟直排、店外占道经营，小区物业和社区多次协调无果，居民投诉无门",
    "address": "当湖街道水洞埭社区",
    "category": "ZF01",
    "town": "330482001",
    "village": "330482001001",
    "citizen_name": "李四",
    "citizen_phone": "13900001111",
}


def ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


def new_case(client: Any, login: Any, **overrides: Any) -> int:
    return int(ok(client.post("/api/v1/cases", json={**HARD_CASE, **overrides}, headers=login("calltaker")),
                  201)["id"])


def form(client: Any, login: Any, case_id: int, lead: str = "ZJJ", members: tuple[str, ...] = ("ZFJ", "ZX-DH"),
         expect: int = 201, user: str = "citydisp", **extra: Any) -> Any:
    resp = client.post(f"/api/v1/cases/{case_id}/group", json={"lead": lead, "members": list(members), **extra},
                       headers=login(user))
    return ok(resp, expect)


def group_call(client: Any, login: Any, user: str, case_id: int, path: str, expect: int = 200,
               **body: Any) -> Any:
    resp = client.post(f"/api/v1/cases/{case_id}/group/{path}", json=body or None, headers=login(user))
    return ok(resp, expect)


def case_action(client: Any, login: Any, user: str, case_id: int, action: str, expect: int = 200,
                **body: Any) -> Any:
    return ok(client.post(f"/api/v1/cases/{case_id}/actions/{action}", json=body, headers=login(user)), expect)


def detail(client: Any, login: Any, user: str, case_id: int) -> Any:
    return ok(client.get(f"/api/v1/cases/{case_id}", headers=login(user)))


def member(group: dict[str, Any], unit: str) -> dict[str, Any]:
    return next(m for m in group["members"] if m["unit"] == unit)


def notifications(db: Database, event: str) -> list[dict[str, Any]]:
    with db.read_session() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.topic == "notify").order_by(OutboxMessage.id))
        return [r.payload for r in rows if r.payload["event"] == event]
