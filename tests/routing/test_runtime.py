"""The process's router: built once, rebuilt when the loaded city or its rules change."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from minsheng.db import Database
from minsheng.directory.config import demo_config_dir, load_city_config
from minsheng.directory.loader import load_city
from minsheng.routing import runtime
from minsheng.routing.assign import OverrideRule
from minsheng.routing.cityconfig import store_rules


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "CHECK_EVERY", 0.0)


def test_one_router_for_concurrent_first_requests(db, fresh) -> None:
    routers = []

    def ask() -> None:
        with db.read_session() as s:
            routers.append(runtime.current_router(s))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(routers) == 4 and routers[0] is not None
    assert all(r is routers[0] for r in routers)


def test_a_reloaded_city_rebuilds_the_router(db, fresh, fake_clock) -> None:
    with db.read_session() as s:
        before = runtime.current_router(s)
        assert before is not None and before.gazetteer.locate("甜水湾那边路灯坏了").town is None
    cfg = load_city_config(demo_config_dir())
    town = cfg.divisions.towns[2]
    towns = [t.model_copy(update={"aliases": [*t.aliases, "甜水湾"]}) if t.code == town.code else t
             for t in cfg.divisions.towns]
    cfg = cfg.model_copy(update={"divisions": cfg.divisions.model_copy(update={"towns": towns})})
    with db.session() as s:
        load_city(s, cfg, now=fake_clock.now())
    with db.read_session() as s:
        after = runtime.current_router(s)
        assert after is not None and after is not before
        assert after.gazetteer.locate("甜水湾那边路灯坏了").town == town.code
        assert runtime.current_router(s) is after  # unchanged city: the same router


def test_stored_rules_take_effect(db, fresh, fake_clock) -> None:
    with db.session() as s:
        store_rules(s, [OverrideRule(category="SZ02", unit="ZX-DH")], fake_clock.now())
    with db.read_session() as s:
        router = runtime.current_router(s)
        assert router is not None
        assert router.suggest("水洞埭社区门口窨井盖缺失").unit == "ZX-DH"


def test_a_router_goes_with_its_database(db, fresh) -> None:
    """Routers are kept by connection pool, weakly: a pool gone (a database closed, as tests and
    tools do by the hundred) leaves no router behind, nor one a later pool at its address would
    be handed."""
    other = Database(db.url)
    with other.read_session() as s:
        router = runtime.current_router(s)
    assert router is not None and runtime.built_router(other.engine) is router
    kept = len(runtime._built)
    pool = weakref.ref(other.engine.pool)
    other.dispose()
    del other, s
    gc.collect()
    assert pool() is None
    assert len(runtime._built) == kept - 1
