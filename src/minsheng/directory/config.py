"""A city's configuration (the shape of demo/pinghu): parsed and validated, no database here.

`load_city_config(DIR)` reads divisions.yaml, departments.yaml, categories.yaml, sla.yaml and
teams.yaml and raises ConfigError naming the file, the field and what is wrong.
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CODE = Annotated[str, Field(min_length=1, max_length=32)]
_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def parse_duration(text: str) -> int:
    """ISO-8601 duration (PnDTnHnMnS) → seconds."""
    m = _ISO_DURATION.match(text)
    if not m or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(f"不是 ISO-8601 时长: {text!r}（例如 PT1M、PT24H、P3D）")
    d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VillageConfig(_Strict):
    code: CODE
    name: str
    short: str | None = None
    aliases: list[str] = []
    former_names: list[str] = []


class TownConfig(_Strict):
    code: CODE
    name: str
    short: str | None = None
    aliases: list[str] = []
    former_names: list[str] = []
    villages: list[VillageConfig] = []


class CityInfo(_Strict):
    code: CODE
    name: str
    short: str | None = None
    aliases: list[str] = []
    former_names: list[str] = []
    parent: str | None = None


class DivisionsFile(_Strict):
    city: CityInfo
    towns: list[TownConfig]



class DepartmentConfig(_Strict):
    code: CODE
    name: str
    level: Literal["city", "town"]
    kind: Literal["centre", "department", "utility", "town_centre"]
    duties: str = ""
    town: str | None = None

    @model_validator(mode="after")
    def _town_centre_has_town(self) -> DepartmentConfig:
        if self.kind == "town_centre" and not self.town:
            raise ValueError("town_centre 必须填写 town（所属街道代码）")
        return self


class DepartmentsFile(_Strict):
    departments: list[DepartmentConfig]



class CategoryLeaf(_Strict):
    code: CODE
    name: str
    dept: CODE
    track: CODE
    description: str = ""
    keywords: list[str] = []


class CategoryGroup(_Strict):
    code: CODE
    name: str
    leaves: list[CategoryLeaf]


class CategoriesFile(_Strict):
    groups: list[CategoryGroup]


class CalendarOverride(_Strict):
    holidays: list[date] = []
    workdays: list[date] = []


class CalendarConfig(_Strict):
    kind: Literal["continuous", "working_hours"]
    hours: list[tuple[time, time]] = []
    timezone: str = "Asia/Shanghai"
    holidays: Literal["china", "none"] = "none"
    overrides: dict[int, CalendarOverride] = {}

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, value: Any) -> Any:
        return [tuple(time.fromisoformat(str(x)) for x in pair) for pair in value or []]

    @model_validator(mode="after")
    def _working_hours_need_hours(self) -> CalendarConfig:
        if self.kind == "working_hours" and not self.hours:
            raise ValueError("working_hours 日历必须给出 hours")
        for start, end in self.hours:
            if start >= end:
                raise ValueError(f"工作时段 {start}–{end} 无效")
        return self


class TrackConfig(_Strict):
    name: str
    calendar: str
    sign: int | None = None
    dispatch: int | None = None
    contact: int | None = None
    feedback: int | None = None
    warn_at: float = Field(0.8, gt=0, lt=1)

    @field_validator("sign", "dispatch", "contact", "feedback", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value


class SlaFile(_Strict):
    calendars: dict[str, CalendarConfig]
    tracks: dict[str, TrackConfig]
    escalation: dict[str, list[str]] = {}

    @model_validator(mode="after")
    def _calendars_exist(self) -> SlaFile:
        for code, track in self.tracks.items():
            if track.calendar not in self.calendars:
                raise ValueError(f"时限类型 {code} 引用了不存在的日历 {track.calendar}")
        return self


class TeamConfig(_Strict):
    code: CODE
    town: CODE
    centre: CODE
    name: str
    base: tuple[float, float]
    vehicles: list[str] = []
    equipment: list[str] = []
    members: int = Field(ge=0)


class TeamsFile(_Strict):
    teams: list[TeamConfig] = []


class CityConfig(_Strict):
    divisions: DivisionsFile
    departments: DepartmentsFile
    categories: CategoriesFile
    sla: SlaFile
    teams: TeamsFile

    def leaves(self) -> list[tuple[CategoryGroup, CategoryLeaf]]:
        return [(g, leaf) for g in self.categories.groups for leaf in g.leaves]


class ConfigError(Exception):
    """A configuration file is malformed: which file, which field, what is wrong."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        self.file, self.field, self.problem = file, field, problem
        super().__init__(f"{file}: {field}: {problem}")


FILES: dict[str, type[BaseModel]] = {
    "divisions": DivisionsFile,
    "departments": DepartmentsFile,
    "categories": CategoriesFile,
    "sla": SlaFile,
    "teams": TeamsFile,
}


def read_yaml(path: Path) -> Any:
    """A configuration file's YAML, read as UTF-8; ConfigError naming the file when it cannot be read."""
    if not path.is_file():
        raise ConfigError(path.name, "-", "不是文件（是目录或特殊文件）" if path.exists() else "文件不存在")
    try:
        return yaml.safe_load(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ConfigError(path.name, "-", f"不是 UTF-8 编码（第 {line} 行），请另存为 UTF-8") from exc
    except OSError as exc:
        raise ConfigError(path.name, "-", f"无法读取（{exc.strerror or exc}）") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(path.name, "-", f"YAML 格式错误: {exc}") from exc


def _read(directory: Path, name: str, model: type[BaseModel]) -> Any:
    path = directory / f"{name}.yaml"
    raw = read_yaml(path)
    try:
        return model.model_validate(raw or {})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "-"
        raise ConfigError(path.name, field, err["msg"]) from exc


def _check_divisions(cfg: CityConfig) -> None:
    seen: set[str] = {cfg.divisions.city.code}
    for i, town in enumerate(cfg.divisions.towns):
        if town.code in seen:
            raise ConfigError("divisions.yaml", f"towns.{i}.code", f"区划代码重复: {town.code}")
        seen.add(town.code)
        for j, v in enumerate(town.villages):
            where = f"towns.{i}.villages.{j}.code"
            if v.code in seen:
                raise ConfigError("divisions.yaml", where, f"区划代码重复: {v.code}")
            if not v.code.startswith(town.code):
                raise ConfigError("divisions.yaml", where, f"村社 {v.code} 不属于街道 {town.code}")
            seen.add(v.code)


def _check_departments(cfg: CityConfig) -> None:
    seen: set[str] = set()
    for i, d in enumerate(cfg.departments.departments):
        if d.code in seen:
            raise ConfigError("departments.yaml", f"departments.{i}.code", f"单位代码重复: {d.code}")
        seen.add(d.code)
    if sum(1 for d in cfg.departments.departments if d.kind == "centre") != 1:
        raise ConfigError("departments.yaml", "departments.kind", "必须有且只有一个 kind: centre 的市级中心")


def _cross_check(cfg: CityConfig) -> None:
    _check_divisions(cfg)
    _check_departments(cfg)
    depts = {d.code for d in cfg.departments.departments}
    towns = {t.code for t in cfg.divisions.towns}
    for d in cfg.departments.departments:
        if d.town and d.town not in towns:
            raise ConfigError("departments.yaml", f"departments.{d.code}.town", f"未知街道代码 {d.town}")
    for g, leaf in cfg.leaves():
        where = f"groups.{g.code}.leaves.{leaf.code}"
        if leaf.dept != "town_centre" and leaf.dept not in depts:
            raise ConfigError("categories.yaml", f"{where}.dept", f"未知单位代码 {leaf.dept}")
        if leaf.track not in cfg.sla.tracks:
            raise ConfigError("categories.yaml", f"{where}.track", f"未知时限类型 {leaf.track}")
    codes = [leaf.code for _, leaf in cfg.leaves()]
    dupes = {c for c in codes if codes.count(c) > 1}
    if dupes:
        raise ConfigError("categories.yaml", "groups", f"类别代码重复: {sorted(dupes)}")
    for t in cfg.teams.teams:
        if t.town not in towns:
            raise ConfigError("teams.yaml", f"teams.{t.code}.town", f"未知街道代码 {t.town}")
        if t.centre not in depts:
            raise ConfigError("teams.yaml", f"teams.{t.code}.centre", f"未知单位代码 {t.centre}")


def load_city_config(directory: str | Path) -> CityConfig:
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(str(directory), "-", "目录不存在")
    parts = {name: _read(directory, name, model) for name, model in FILES.items()}
    cfg = CityConfig(**parts)
    _cross_check(cfg)
    return cfg


def demo_config_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "demo" / "pinghu"
