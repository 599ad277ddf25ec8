"""The city read back from the database is the city that was loaded; rules stored and read."""

from __future__ import annotations

from minsheng.directory.config import CityConfig
from minsheng.routing.assign import Assigner, OverrideRule
from minsheng.routing.cityconfig import city_config_from_db, routing_checksum, rules_from_db, store_rules
from minsheng.routing.locate import Gazetteer


def test_the_city_from_the_database_routes_like_the_files(db, pinghu: CityConfig, fake_clock) -> None:
    with db.read_session() as s:
        cfg = city_config_from_db(s)
    assert cfg is not None
    assert Gazetteer.from_config(cfg, national=False).inside == Gazetteer.from_config(pinghu, national=False).inside
    assert cfg.divisions.city.parent == pinghu.divisions.city.parent
    files, rows = Assigner(pinghu), Assigner(cfg)
    assert (rows.centre, rows.town_centres, rows.leaf_unit, rows.leaf_group) == (
        files.centre, files.town_centres, files.leaf_unit, files.leaf_group)
    assert {leaf.code: leaf.description for _, leaf in cfg.leaves()} == {
        leaf.code: leaf.description for _, leaf in pinghu.leaves()}
    assert {d.code: d.duties for d in cfg.departments.departments} == {
        d.code: d.duties for d in pinghu.departments.departments}


def test_rules_are_stored_once_and_change_the_checksum(db, fake_clock) -> None:
    rule = OverrideRule(category="SN01", town="330482108", unit="ZX-DSG")
    with db.session() as s:
        before = routing_checksum(s)
        assert before is not None and rules_from_db(s) == []
        assert store_rules(s, [rule], fake_clock.now()) is True
        assert store_rules(s, [rule], fake_clock.now()) is False
    with db.read_session() as s:
        assert rules_from_db(s) == [rule]
        assert routing_checksum(s) != before
