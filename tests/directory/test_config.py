"""City configuration: parsing, validation errors that name file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from minsheng.directory.config import ConfigError, demo_config_dir, load_city_config, parse_duration


@pytest.fixture
def city_dir(tmp_path: Path) -> Path:
    target = tmp_path / "city"
    shutil.copytree(demo_config_dir(), target)
    return target


def test_the_demo_city_loads() -> None:
    cfg = load_city_config(demo_config_dir())
    assert cfg.divisions.city.code == "330482"
    assert len(cfg.divisions.towns) == 9
    assert sum(len(t.villages) for t in cfg.divisions.towns) == 136
    assert len(cfg.leaves()) == 53
    assert cfg.sla.tracks["fast"].sign == 60 and cfg.sla.tracks["fast"].dispatch == 300
    assert cfg.sla.tracks["normal"].feedback == 3 * 86400
    assert "建中村" in next(t for t in cfg.divisions.towns if t.code == "330482108").former_names


@pytest.mark.parametrize(("text", "seconds"), [("PT60S", 60), ("PT1M", 60), ("PT5M", 300), ("PT24H", 86400),
                                                ("P3D", 259200), ("P1DT2H", 93600)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "P", "PT", "5M", "PT5X", "P1W"])
def test_bad_durations(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("file", "old", "new", "field", "words"), [
    ("sla.yaml", "sign: PT1M", "sign: 1分钟", "tracks.fast.sign", "ISO-8601"),
    ("categories.yaml", "dept: ZFJ, track: normal", "dept: NOPE, track: normal", "dept", "NOPE"),
    ("categories.yaml", "dept: ZJJ, track: normal", "dept: ZJJ, track: slow", "track", "slow"),
    ("departments.yaml", "    kind: centre\n", "    kind: headquarters\n", "departments.0.kind", "centre"),
    ("teams.yaml", "members: 8}", "members: -1}", "teams.0.members", "greater"),
    ("divisions.yaml", "- {code: \"330482001002\"", "- {code: \"330482001001\"", "towns.0.villages.1.code", "重复"),
    ("divisions.yaml", "  name: 平湖市\n", "", "city.name", "required"),
])
def test_malformed_files_are_rejected_with_file_field_and_problem(
        city_dir: Path, file: str, old: str, new: str, field: str, words: str) -> None:
    _edit(city_dir / file, old, new)
    with pytest.raises(ConfigError) as info:
        load_city_config(city_dir)
    err = info.value
    assert err.file == file
    assert field in err.field
    assert words.lower() in (err.problem + err.field).lower()


def test_broken_yaml_and_missing_file(city_dir: Path) -> None:
    (city_dir / "teams.yaml").write_text("teams: [", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_city_config(city_dir)
    assert info.value.file == "teams.yaml" and "YAML" in info.value.problem
    (city_dir / "sla.yaml").unlink()
    with pytest.raises(ConfigError) as info:
        load_city_config(city_dir)
    assert info.value.file == "sla.yaml"


def test_a_file_not_in_utf8_or_not_a_file(city_dir: Path) -> None:
    teams = city_dir / "teams.yaml"
    text = teams.read_text(encoding="utf-8")
    teams.write_bytes(text.encode("gb18030"))  # saved as GBK by a Chinese-locale editor
    with pytest.raises(ConfigError) as info:
        load_city_config(city_dir)
    assert info.value.file == "teams.yaml" and "不是 UTF-8 编码（第 1 行）" in info.value.problem
    teams.write_text(text, encoding="utf-8")
    (city_dir / "sla.yaml").unlink()
    (city_dir / "sla.yaml").mkdir()
    with pytest.raises(ConfigError) as info:
        load_city_config(city_dir)
    assert info.value.file == "sla.yaml" and "不是文件" in info.value.problem
