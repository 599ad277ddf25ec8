"""Realistic citizen requests for the demo and the benchmarks.

The shipped labelled examples (demo/pinghu/cases-train-*.jsonl) are the templates; each draft varies
one: it may move to another town (its town and village names rewritten), gets a fuller address, a
citizen with a name and phone number, and a channel from the usual mix. Walk-in visits are written
from hotline calls ("来电人称…" → "群众来访反映…").
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from minsheng.directory.config import CityConfig, TownConfig

PINGHU = Path(__file__).resolve().parent / "pinghu"
# How requests arrive in a county-level city (share of all requests).
CHANNEL_MIX = {"12345": 0.42, "app": 0.16, "web": 0.12, "110": 0.10, "open311": 0.10, "walk_in": 0.10}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾沈钱陆顾金俞蒋"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅兰志文玉德海燕"
ROADS = ("人民路", "新华路", "胜利路", "当湖路", "东湖大道", "平善路", "建国路", "解放路", "环城路", "兴平路")
WALK_IN_PREFIXES = (("来电人咨询", "群众来访咨询"), ("来电人称", "群众来访反映"), ("来电人反映", "群众来访反映"),
                    ("来电人", "来访群众"))


@dataclass(frozen=True)
class Template:
    id: str
    channel: str
    text: str
    address: str
    category: str
    town: str | None
    department: str


@dataclass(frozen=True)
class Draft:
    """One request as it arrives, with the answer a good dispatcher would give (category, unit)."""

    channel: str
    content: str
    address: str
    citizen_name: str | None
    citizen_phone: str | None
    category: str
    town: str | None
    village: str | None
    department: str
    template_id: str


def load_templates(directory: Path = PINGHU) -> list[Template]:
    rows: list[Template] = []
    for path in sorted(directory.glob("cases-train-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                rows.append(Template(r["id"], r["channel"], r["text"], r.get("address") or "", r["category"],
                                     r.get("town"), r["department"]))
    return rows


def _names(town: TownConfig) -> list[str]:
    return sorted({town.name, *town.aliases, *(town.former_names or [])}, key=len, reverse=True)


class DraftWriter:
    """Draws requests from the templates with variation; deterministic for a given `rng`."""

    def __init__(self, cfg: CityConfig, rng: random.Random, templates: list[Template] | None = None) -> None:
        self.rng = rng
        self.towns = {t.code: t for t in cfg.divisions.towns}
        self.centre_of_town = {d.town: d.code for d in cfg.departments.departments
                               if d.kind == "town_centre" and d.town}
        self.by_channel: dict[str, list[Template]] = {}
        for t in templates if templates is not None else load_templates():
            self.by_channel.setdefault(t.channel, []).append(t)

    def channel(self) -> str:
        return self.rng.choices(list(CHANNEL_MIX), weights=list(CHANNEL_MIX.values()))[0]

    def draft(self, channel: str | None = None) -> Draft:
        channel = channel or self.channel()
        pool = self.by_channel.get("12345" if channel == "walk_in" else channel) or self.by_channel["12345"]
        tpl = self.rng.choice(pool)
        text, address, town_code, village_code, department = tpl.text, tpl.address, tpl.town, None, tpl.department
        if town_code and town_code in self.towns and self.rng.random() < 0.6:
            text, address, town_code, department = self._move(tpl, self.rng.choice(list(self.towns)))
        if town_code and town_code in self.towns:
            town = self.towns[town_code]
            village = next((v for v in town.villages if (v.short or v.name) in text + address), None)
            if village is None and town.villages and self.rng.random() < 0.5:
                village = self.rng.choice(town.villages)
                if address in ("", *_names(town)):
                    address = f"{town.name}{village.short or village.name}"
            elif address in _names(town):
                address = f"{town.name}{self.rng.choice(ROADS)}{self.rng.randint(1, 399)}号附近"
            village_code = village.code if village else None
        if channel == "walk_in":
            for old, new in WALK_IN_PREFIXES:
                if text.startswith(old):
                    text = new + text[len(old):]
                    break
        name, phone = self._citizen(channel)
        return Draft(channel, text, address, name, phone, tpl.category, town_code, village_code, department, tpl.id)

    def _move(self, tpl: Template, new_code: str) -> tuple[str, str, str, str]:
        old, new = self.towns[str(tpl.town)], self.towns[new_code]
        text, address = tpl.text, tpl.address
        pattern = re.compile("|".join(re.escape(n) for n in _names(old)))
        text, address = pattern.sub(new.name, text), pattern.sub(new.name, address)
        for v in old.villages:
            label = v.short or v.name
            if label in text or label in address:
                nv = self.rng.choice(new.villages) if new.villages else None
                repl = (nv.short or nv.name) if nv else new.name
                text, address = text.replace(label, repl), address.replace(label, repl)
        department = tpl.department
        if department == self.centre_of_town.get(old.code):
            department = self.centre_of_town.get(new.code, department)
        return text, address, new.code, department

    def _citizen(self, channel: str) -> tuple[str | None, str | None]:
        if channel == "open311" and self.rng.random() < 0.4:
            return None, None
        name = self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=self.rng.choice((1, 2))))
        phone = f"1{self.rng.choice('3456789')}{self.rng.randint(0, 999_999_999):09d}"
        return name, phone
