"""Shared routing fixtures: the Pinghu configuration and gazetteer, and a small trained model."""

from __future__ import annotations

from typing import Any

import pytest

from minsheng import domains
from minsheng.directory.config import CityConfig, demo_config_dir, load_city_config
from minsheng.routing.datasets import Example, read_jsonl
from minsheng.routing.locate import Gazetteer
from minsheng.routing.model import RouterModel, default_model_path
from minsheng.settings import get_settings


@pytest.fixture(scope="session")
def pinghu() -> CityConfig:
    return load_city_config(demo_config_dir())


@pytest.fixture(scope="session")
def gazetteer(pinghu: CityConfig) -> Gazetteer:
    return Gazetteer.from_config(pinghu)


@pytest.fixture(scope="session")
def shipped_a() -> list[Example]:
    return read_jsonl(demo_config_dir() / "cases-train-a.jsonl")


@pytest.fixture(scope="session")
def shipped_b() -> list[Example]:
    return read_jsonl(demo_config_dir() / "cases-train-b.jsonl")


@pytest.fixture(scope="session")
def shipped_model() -> RouterModel:
    return RouterModel.load(default_model_path())


@pytest.fixture
def auto_assign(db: Any, monkeypatch: pytest.MonkeyPatch) -> float:
    """Automatic assignment on, at the shipped default threshold (the suite turns it off)."""
    monkeypatch.setenv("MINSHENG_AUTO_ASSIGN_THRESHOLD", "0.85")
    get_settings.cache_clear()
    return get_settings().auto_assign_threshold


@pytest.fixture
def routed(db: Any) -> None:
    """Routing's intake steps and listeners registered (as the app does at start-up)."""
    domains.load_listeners()
