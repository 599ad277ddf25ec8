"""Loading a city into the database: idempotent, all or nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from minsheng.db import Base, Database
from minsheng.directory import loader
from minsheng.directory.config import demo_config_dir, load_city_config
from minsheng.directory.models import Category, Unit


def counts(db: Database) -> dict[str, int]:
    with db.read_session() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def test_loading_the_same_city_twice_changes_nothing(db: Database, fake_clock) -> None:
    cfg = load_city_config(demo_config_dir())
    before = counts(db)
    with db.session() as s:
        report = loader.load_city(s, cfg, now=fake_clock.now())
    assert not report.changed, report
    assert counts(db) == before
    with db.read_session() as s:
        assert s.get(Unit, "ZX-DH").path == "/SZZX/ZX-DH/"
        assert s.get(Unit, "330482001001").parent_code == "ZX-DH"
        assert s.get(Unit, "330482001001").path == "/SZZX/ZX-DH/330482001001/"
        assert s.get(Unit, "GAJ").parent_code == "SZZX"


def test_a_changed_city_updates_and_deactivates(db: Database, fake_clock, tmp_path: Path) -> None:
    city = tmp_path / "city"
    shutil.copytree(demo_config_dir(), city)
    cats = city / "categories.yaml"
    cats.write_text(cats.read_text(encoding="utf-8").replace("name: 路灯故障", "name: 路灯不亮")
                    .replace("      - {code: ZX02,", "      # removed ZX02\n      - {code: ZX02X,"), encoding="utf-8")
    with db.session() as s:
        report = loader.load_city(s, load_city_config(city), now=fake_clock.now())
    assert report.updated == {"categories": 1, "city_config": 1}  # the directory fingerprint
    assert report.added == {"categories": 1}
    assert report.deactivated == {"categories": 1}
    with db.read_session() as s:
        assert s.get(Category, "SZ01").name == "路灯不亮"
        assert not s.get(Category, "ZX02").active


def test_a_failure_half_way_leaves_the_database_as_it_was(db: Database, fake_clock, monkeypatch) -> None:
    with db.session() as s:
        s.execute(Category.__table__.delete())
    before = counts(db)
    calls = {"n": 0}
    real_upsert = loader._upsert

    def failing_upsert(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 200:
            raise RuntimeError("disk full")
        return real_upsert(*args, **kwargs)

    monkeypatch.setattr(loader, "_upsert", failing_upsert)
    with pytest.raises(RuntimeError), db.session() as s:
        loader.load_city(s, load_city_config(demo_config_dir()), now=fake_clock.now())
    assert calls["n"] == 200
    assert counts(db) == before
