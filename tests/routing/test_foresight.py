"""Suggestions made ahead of the intake transaction are the ones the batch uses, and only for the
texts, addresses and router they were made for."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from minsheng.cases import hooks, views
from minsheng.cases.batch import do_create_cases
from minsheng.cases.schemas import CaseCreate
from minsheng.routing import foresight, runtime
from minsheng.routing.router import Router
from minsheng.routing.runtime import current_router

MANHOLE = ("当湖街道水洞埭社区门口窨井盖缺失，夜里有人差点踩空", "当湖街道水洞埭社区")
RUBBISH = ("新埭镇鑫港村村口垃圾桶满了好几天没人清运，臭气熏天", "新埭镇鑫港村")


@pytest.fixture(autouse=True)
def nothing_kept() -> Iterator[None]:
    foresight.forget()
    yield
    foresight.forget()


@pytest.fixture
def router(db: Any, routed: None) -> Router:
    with db.read_session() as s:
        built = current_router(s)
    assert built is not None
    return built


def counting_model_runs(router: Router, monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[str, str]]]:
    runs: list[list[tuple[str, str]]] = []
    real = type(router).suggest_many

    def suggest_many(self: Router, requests: list[tuple[str, str]], *args: Any, **kwargs: Any) -> Any:
        runs.append(list(requests))
        return real(self, requests, *args, **kwargs)

    monkeypatch.setattr(type(router), "suggest_many", suggest_many)
    return runs


def test_a_batch_takes_the_foreseen_suggestions_and_runs_the_model_only_on_the_rest(
        db, actors, router, monkeypatch) -> None:
    ct = actors["calltaker"]
    bodies = [CaseCreate(channel="12345", content=text, address=address) for text, address in (MANHOLE, RUBBISH)]
    with db.session() as s:
        unforeseen = [c.suggestions for c in do_create_cases(s, [(b, ct) for b in bodies])]
    runs = counting_model_runs(router, monkeypatch)
    hooks.look_ahead(db.engine, [MANHOLE])  # what the group commit's look-ahead does
    assert runs == [[MANHOLE]]
    with db.session() as s:
        foreseen = [c.suggestions for c in do_create_cases(s, [(b, ct) for b in bodies])]
    assert runs == [[MANHOLE], [RUBBISH]]  # the batch ran the model on the text nobody foresaw
    assert [{k: v for k, v in (s or {}).items() if k != "duplicates"} for s in foreseen] == \
        [{k: v for k, v in (s or {}).items() if k != "duplicates"} for s in unforeseen]
    assert foresight.take(router, [MANHOLE], foresight.intake_form_is_fast()) == [None]  # taken once


def test_a_suggestion_is_kept_for_its_text_its_address_its_form_and_its_router(db, router) -> None:
    fast = foresight.intake_form_is_fast()
    foresight.foresee(db.engine, [MANHOLE])
    assert foresight.take(router, [(MANHOLE[0], "")], fast) == [None]
    assert foresight.take(router, [MANHOLE], not fast) == [None]
    other = Router(router.cfg, router.model)
    assert foresight.take(other, [MANHOLE], fast) == [None]
    kept = foresight.take(router, [MANHOLE], fast)[0]
    assert kept is not None and kept.category == router.suggest(*MANHOLE).category


def test_nothing_is_foreseen_before_the_router_is_built_or_with_routing_off(db, routed, monkeypatch) -> None:
    runtime.reset()
    foresight.foresee(db.engine, [MANHOLE])
    with db.read_session() as s:
        router = current_router(s)
    assert router is not None and foresight.take(router, [MANHOLE], foresight.intake_form_is_fast()) == [None]
    monkeypatch.setenv("MINSHENG_ROUTING_ON_INTAKE", "false")
    from minsheng.settings import get_settings

    get_settings.cache_clear()
    try:
        foresight.foresee(db.engine, [MANHOLE])
        assert foresight.take(router, [MANHOLE], foresight.intake_form_is_fast()) == [None]
    finally:
        monkeypatch.delenv("MINSHENG_ROUTING_ON_INTAKE")
        get_settings.cache_clear()


def test_only_so_many_are_kept(db, router, monkeypatch) -> None:
    monkeypatch.setattr(foresight, "MAX_KEPT", 1)
    foresight.foresee(db.engine, [MANHOLE, RUBBISH])
    fast = foresight.intake_form_is_fast()
    assert foresight.take(router, [MANHOLE], fast) == [None]
    assert foresight.take(router, [RUBBISH], fast)[0] is not None


def test_intakes_arriving_during_a_write_are_routed_ahead_through_the_api(app, client, login, router,
                                                                         monkeypatch) -> None:
    headers = login("calltaker")
    first = client.post("/api/v1/cases", json={"channel": "12345", "content": RUBBISH[0]}, headers=headers)
    assert first.status_code == 201  # the app's router is built
    runs = counting_model_runs(router, monkeypatch)
    taken: list[bool] = []
    real_take, real_one = foresight.take, views._intake.one
    writing = threading.Event()

    def take(*args: Any) -> Any:
        found = real_take(*args)
        taken.extend(s is not None for s in found)
        return found

    def slow_one(session: Any, item: Any) -> Any:  # the first request's write takes a while
        writing.set()
        time.sleep(0.3)
        return real_one(session, item)

    monkeypatch.setattr(foresight, "take", take)
    monkeypatch.setattr(views._intake, "one", slow_one)

    def post(http: httpx.AsyncClient, i: int) -> Any:
        return http.post("/api/v1/cases", json={"channel": "12345", "content": f"{MANHOLE[0]}（第{i}次来电）",
                                                "address": MANHOLE[1]}, headers=headers)

    async def post_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            alone = asyncio.ensure_future(post(http, 0))
            assert await asyncio.to_thread(writing.wait, 5)
            rest = asyncio.gather(*[post(http, i) for i in range(1, 30)])
            return [await alone, *await rest]

    responses = asyncio.run(post_all())
    assert [r.status_code for r in responses] == [201] * 30
    assert taken == [False] + [True] * 29  # the 29 that waited behind the first were routed meanwhile
    assert sorted(len(r) for r in runs) == [1, 29]  # and no text went through the model twice
