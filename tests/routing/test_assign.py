from __future__ import annotations

from pathlib import Path

import pytest

from minsheng.directory.config import CityConfig, ConfigError
from minsheng.routing.assign import Assigner, OverrideRule, load_rules


def test_category_department(pinghu: CityConfig) -> None:
    assert Assigner(pinghu).assign("CG06", "330482001").unit == "ZFJ"
    assert Assigner(pinghu).assign("CG06", None).unit == "ZFJ"


def test_town_handled_category_goes_to_the_town_sub_centre(pinghu: CityConfig) -> None:
    a = Assigner(pinghu).assign("JC02", "330482107")
    assert (a.unit, a.reason) == ("ZX-LD", "town_centre")


def test_town_handled_category_without_town_goes_to_the_city_centre(pinghu: CityConfig) -> None:
    a = Assigner(pinghu).assign("JC02", None)
    assert (a.unit, a.reason) == ("SZZX", "no_town")


def test_unknown_category_goes_to_the_city_centre(pinghu: CityConfig) -> None:
    assert Assigner(pinghu).assign("NOPE", "330482107").reason == "unknown_category"


def test_override_rules_come_first(pinghu: CityConfig) -> None:
    rules = [OverrideRule(category="SN01", town="330482108", unit="ZX-DSG"), OverrideRule(group="GA", unit="SZZX")]
    assigner = Assigner(pinghu, rules)
    assert assigner.assign("SN01", "330482108").unit == "ZX-DSG"
    assert assigner.assign("SN01", "330482107").unit == "SLJ"
    assert assigner.assign("GA01", None).unit == "SZZX"


def test_rules_file(tmp_path: Path, pinghu: CityConfig) -> None:
    assert load_rules(tmp_path) == []
    (tmp_path / "routing.yaml").write_text("rules:\n  - {category: SN01, unit: ZX-DSG}\n", encoding="utf-8")
    assert Assigner(pinghu, load_rules(tmp_path)).assign("SN01", None).unit == "ZX-DSG"


def test_rules_file_errors_name_the_file(tmp_path: Path, pinghu: CityConfig) -> None:
    (tmp_path / "routing.yaml").write_text("rules:\n  - {category: SN01, unit: NOWHERE}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"routing\.yaml"):
        Assigner(pinghu, load_rules(tmp_path))
    (tmp_path / "routing.yaml").write_text("rules:\n  - {categry: SN01}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"routing\.yaml"):
        load_rules(tmp_path)
    (tmp_path / "routing.yaml").write_bytes("rules:\n  - {category: SN01, unit: 东湖}\n".encode("gb18030"))
    with pytest.raises(ConfigError, match=r"routing\.yaml.*不是 UTF-8 编码（第 2 行）"):
        load_rules(tmp_path)
    (tmp_path / "routing.yaml").unlink()
    (tmp_path / "routing.yaml").mkdir()
    with pytest.raises(ConfigError, match=r"routing\.yaml.*不是文件"):
        load_rules(tmp_path)
