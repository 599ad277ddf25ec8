"""Group commit: concurrent intakes are written together, each answered after its commit, and a
failing batch is written again item by item so each request gets its own result."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.api.group_commit import GroupCommit
from minsheng.cases import views
from minsheng.cases.models import Case
from tests.cases.test_views import NEW_CASE


def test_concurrent_intakes_share_transactions_and_each_gets_its_case(app, client, login, db,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    headers = login("calltaker")
    sizes: list[int] = []
    real_many = views._create_many

    def counting(session: Session, items: list[Any]) -> list[Any]:
        sizes.append(len(items))
        return real_many(session, items)

    monkeypatch.setattr(views._intake, "many", counting)

    async def post_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await asyncio.gather(*[
                http.post("/api/v1/cases", json={**NEW_CASE, "content": f"并发受理第{i}件"}, headers=headers)
                for i in range(40)])

    responses = asyncio.run(post_all())
    assert [r.status_code for r in responses] == [201] * 40, responses[0].text
    ids = [r.json()["id"] for r in responses]
    assert len(set(ids)) == 40 and len({r.json()["number"] for r in responses}) == 40
    assert sizes and max(sizes) > 1  # requests that arrived together were written together
    with db.read_session() as s:
        contents = dict(s.execute(select(Case.id, Case.content).where(Case.id.in_(ids))).all())
    assert [contents[i] for i in ids] == [f"并发受理第{i}件" for i in range(40)]  # each got its own case


def test_a_failing_batch_is_written_again_one_by_one(db) -> None:
    def many(session: Session, items: list[str]) -> list[str]:
        raise RuntimeError("one bad item spoils the batch")

    def one(session: Session, item: str) -> str:
        if item == "bad":
            raise ValueError("bad item")
        session.execute(select(func.count()).select_from(Case))
        return item.upper()

    async def submit_all() -> list[Any]:
        batcher = GroupCommit(db, many, one)
        return await asyncio.gather(*[batcher.submit(x) for x in ["a", "bad", "c", "d"]], return_exceptions=True)

    results = asyncio.run(submit_all())
    assert results[0] == "A" and results[2:] == ["C", "D"]
    assert isinstance(results[1], ValueError)


def test_the_look_ahead_sees_the_requests_waiting_behind_a_batch_before_they_are_written(db) -> None:
    log: list[tuple[str, list[str]]] = []
    first_batch_may_end = threading.Event()

    def ahead(database: Any, items: list[str]) -> None:
        assert database is db
        log.append(("ahead", list(items)))
        first_batch_may_end.set()  # the writer is still on "a": this ran while it wrote
        time.sleep(0.05)  # a slow look-ahead: the writer must wait for it, not write around it
        log.append(("ahead done", list(items)))

    def many(session: Session, items: list[str]) -> list[str]:
        log.append(("write", list(items)))
        return [item.upper() for item in items]

    def one(session: Session, item: str) -> str:
        log.append(("write", [item]))
        if item == "a":
            assert first_batch_may_end.wait(5)
        return item.upper()

    async def submit_all() -> list[str]:
        batcher = GroupCommit(db, many, one, ahead=ahead)
        first = asyncio.ensure_future(batcher.submit("a"))
        await asyncio.sleep(0.01)  # "a" is being written
        later = asyncio.gather(batcher.submit("b"), batcher.submit("c"))
        return [await first, *await later]

    assert asyncio.run(submit_all()) == ["A", "B", "C"]
    # a lone request is not looked ahead at (quiet traffic pays nothing); the two that waited are,
    # and their batch is written only once the look-ahead is done with them
    assert log == [("write", ["a"]), ("ahead", ["b", "c"]), ("ahead done", ["b", "c"]), ("write", ["b", "c"])]


def test_a_failing_look_ahead_costs_the_requests_nothing(db) -> None:
    def ahead(database: Any, items: list[str]) -> None:
        raise RuntimeError("the model is not there")

    def one(session: Session, item: str) -> str:
        time.sleep(0.02)
        return item.upper()

    async def submit_all() -> list[Any]:
        batcher = GroupCommit(db, lambda session, items: [i.upper() for i in items], one, ahead=ahead)
        return await asyncio.gather(*[batcher.submit(x) for x in "abcd"], return_exceptions=True)

    assert asyncio.run(submit_all()) == ["A", "B", "C", "D"]
