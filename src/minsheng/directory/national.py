"""Import China's division codes (provinces → towns, and villages) from the national CSVs, and
write a divisions.yaml skeleton for a new city from its division code."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from minsheng.directory.models import Division
from minsheng.errors import InvalidField

# file → (level, parent column)
FILES = [
    ("provinces.csv", "province", None),
    ("cities.csv", "prefecture", "provinceCode"),
    ("areas.csv", "county", "cityCode"),
    ("streets.csv", "town", "areaCode"),
]
VILLAGE_GLOB = "villages*.csv"


def _rows(directory: Path) -> Iterator[dict[str, Any]]:
    for name, level, parent_col in FILES:
        path = directory / name
        if not path.exists():
            raise InvalidField("dir", f"缺少文件 {path}")
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                yield dict(code=row["code"], name=row["name"], level=level,
                           parent_code=row[parent_col] if parent_col else None)
    for path in sorted(directory.glob(VILLAGE_GLOB)):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                yield dict(code=row["code"], name=row["name"], level="village", parent_code=row["streetCode"])


def import_national(session: Session, directory: Path, *, batch: int = 5000) -> dict[str, int]:
    """Insert divisions not yet known; a configured city's own rows (in_city) are left as they are."""
    existing = set(session.scalars(select(Division.code)))
    added = skipped = 0
    pending: list[dict[str, Any]] = []
    for row in _rows(directory):
        if row["code"] in existing:
            skipped += 1
            continue
        existing.add(row["code"])
        pending.append({**row, "short": None, "aliases": [], "former_names": [], "in_city": False})
        if len(pending) >= batch:
            session.execute(insert(Division), pending)
            added += len(pending)
            pending = []
    if pending:
        session.execute(insert(Division), pending)
        added += len(pending)
    return {"added": added, "already_known": skipped}


def _short(name: str) -> str:
    """How people say a committee's name: 荷叶村委会 → 荷叶村, 东山社区居委会 → 东山社区."""
    for suffix, short in (("村民委员会", "村"), ("村委会", "村"), ("社区居民委员会", "社区"), ("社区居委会", "社区"),
                          ("居民委员会", "社区"), ("居委会", "社区")):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem if stem.endswith(short) else stem + short
    return name


def city_skeleton(session: Session, code: str) -> str:
    """divisions.yaml for the county-level division `code`, from the imported national data."""
    city = session.get(Division, code)
    if city is None or city.level not in ("county", "city"):
        raise InvalidField("code", f"未找到县级区划 {code}（请先运行 minsheng load-divisions）")
    parents: list[str] = []
    parent = session.get(Division, city.parent_code) if city.parent_code else None
    while parent is not None:
        parents.insert(0, parent.name)
        parent = session.get(Division, parent.parent_code) if parent.parent_code else None
    towns = []
    for town in session.scalars(select(Division).where(Division.parent_code == code).order_by(Division.code)):
        villages = [{"code": v.code, "name": v.name, "short": _short(v.name)} for v in session.scalars(
            select(Division).where(Division.parent_code == town.code).order_by(Division.code))]
        short_name = town.name.removesuffix("街道").removesuffix("镇").removesuffix("乡") or town.name
        towns.append({"code": town.code, "name": town.name, "short": town.code[-3:], "aliases": [short_name],
                      "villages": villages})
    doc = {"city": {"code": city.code, "name": city.name, "short": city.code, "aliases": [city.name],
                    "parent": "".join(parents)}, "towns": towns}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
