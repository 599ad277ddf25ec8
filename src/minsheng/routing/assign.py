"""Handling unit of a request: a pure rule over (category, town), from the city's configuration.

- a category's `dept` is its handling unit;
- `town_centre` means the sub-centre of the request's town; with no town known (or a town without
  a sub-centre) the request goes to the city centre for a dispatcher to route by hand;
- an unknown category goes to the city centre;
- optional override rules (routing.yaml beside the city's other files) come first, first match
  wins: `rules: [{category: SN01, town: "330482108", unit: ZX-DSG}, {category: GA01, unit: GAJ}]`
  (a rule may name a category, a category group, a town, or any of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from minsheng.directory.config import CityConfig, ConfigError, read_yaml

TOWN_CENTRE = "town_centre"


class OverrideRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    unit: str
    category: str | None = None
    group: str | None = None
    town: str | None = None
    note: str = ""

    def matches(self, category: str, group: str | None, town: str | None) -> bool:
        return ((self.category is None or self.category == category)
                and (self.group is None or self.group == group)
                and (self.town is None or self.town == town))


class RoutingFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rules: list[OverrideRule] = []


@dataclass(frozen=True)
class Assignment:
    unit: str
    reason: str  # category | town_centre | no_town | unknown_category | override


def load_rules(directory: str | Path) -> list[OverrideRule]:
    """Override rules from DIR/routing.yaml (none when the file is absent)."""
    path = Path(directory) / "routing.yaml"
    if not path.exists():
        return []
    raw = read_yaml(path) or {}
    try:
        return list(RoutingFile.model_validate(raw).rules)
    except ValueError as exc:
        raise ConfigError("routing.yaml", "rules", str(exc)) from exc


class Assigner:
    def __init__(self, cfg: CityConfig, rules: list[OverrideRule] | None = None) -> None:
        depts = cfg.departments.departments
        self.centre = next(d.code for d in depts if d.kind == "centre")
        self.town_centres = {d.town: d.code for d in depts if d.kind == TOWN_CENTRE and d.town}
        self.leaf_unit = {leaf.code: leaf.dept for _, leaf in cfg.leaves()}
        self.leaf_group = {leaf.code: group.code for group, leaf in cfg.leaves()}
        self.rules = list(rules or [])
        known = {d.code for d in depts}
        for rule in self.rules:
            if rule.unit not in known:
                raise ConfigError("routing.yaml", f"rules.{rule.unit}", f"未知单位代码 {rule.unit}")

    def assign(self, category: str, town: str | None) -> Assignment:
        group = self.leaf_group.get(category)
        for rule in self.rules:
            if rule.matches(category, group, town):
                return Assignment(rule.unit, "override")
        unit = self.leaf_unit.get(category)
        if unit is None:
            return Assignment(self.centre, "unknown_category")
        if unit != TOWN_CENTRE:
            return Assignment(unit, "category")
        if town and town in self.town_centres:
            return Assignment(self.town_centres[town], TOWN_CENTRE)
        return Assignment(self.centre, "no_town")
