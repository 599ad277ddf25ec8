"""Load a city's configuration into the database: idempotent, all or nothing.

Rows are upserted by code and only touched when a value differs, so loading the same
configuration twice changes nothing. Units that disappear from the configuration are
deactivated, never deleted (cases keep pointing at them).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.db import Base
from minsheng.directory import service as directory_service
from minsheng.directory.config import CityConfig
from minsheng.directory.models import Category, CityConfigRecord, Division, Team, Unit


@dataclass
class LoadReport:
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deactivated: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.added.values()) or any(self.updated.values()) or any(self.deactivated.values())

    def bump(self, kind: str, table: str) -> None:
        bucket = getattr(self, kind)
        bucket[table] = bucket.get(table, 0) + 1


def _upsert(session: Session, model: type[Base], key: str, values: dict[str, Any], report: LoadReport) -> None:
    row = session.get(model, key)
    table = model.__tablename__
    if row is None:
        session.add(model(**values))
        report.bump("added", table)
        return
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        report.bump("updated", table)


def _division_rows(cfg: CityConfig) -> list[dict[str, Any]]:
    city = cfg.divisions.city
    rows = [dict(code=city.code, name=city.name, short=city.short, level="city", parent_code=None,
                 aliases=list(city.aliases), former_names=list(city.former_names), in_city=True)]
    for town in cfg.divisions.towns:
        rows.append(dict(code=town.code, name=town.name, short=town.short, level="town", parent_code=city.code,
                         aliases=list(town.aliases), former_names=list(town.former_names), in_city=True))
        for v in town.villages:
            rows.append(dict(code=v.code, name=v.name, short=v.short, level="village", parent_code=town.code,
                             aliases=list(v.aliases), former_names=list(v.former_names), in_city=True))
    return rows


def _unit_rows(cfg: CityConfig) -> list[dict[str, Any]]:
    centre = next(d for d in cfg.departments.departments if d.kind == "centre")
    rows = []
    town_centres: dict[str, str] = {}
    for d in cfg.departments.departments:
        if d.kind == "centre":
            parent, path = None, f"/{d.code}/"
        else:
            parent, path = centre.code, f"/{centre.code}/{d.code}/"
        if d.kind == "town_centre" and d.town:
            town_centres[d.town] = d.code
        rows.append(dict(code=d.code, name=d.name, level=d.level, kind=d.kind, duties=d.duties,
                         town_code=d.town, division_code=d.town, parent_code=parent, path=path, active=True))
    for town in cfg.divisions.towns:
        tc = town_centres.get(town.code)
        if tc is None:
            continue  # a town without a sub-centre has no village units under it
        for v in town.villages:
            rows.append(dict(code=v.code, name=v.name, level="village", kind="village",
                             duties=f"{v.short or v.name}网格事项", town_code=town.code, division_code=v.code,
                             parent_code=tc, path=f"/{centre.code}/{tc}/{v.code}/", active=True))
    return rows


def _checksum(document: Any) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def load_city(session: Session, cfg: CityConfig, *, now: datetime) -> LoadReport:
    """Write `cfg` into the database inside the caller's transaction."""
    report = LoadReport()
    for row in _division_rows(cfg):
        _upsert(session, Division, row["code"], row, report)
    unit_rows = _unit_rows(cfg)
    for row in unit_rows:
        _upsert(session, Unit, row["code"], row, report)
    wanted = {r["code"] for r in unit_rows}
    for unit in session.scalars(select(Unit).where(Unit.active.is_(True))):
        if unit.code not in wanted:
            unit.active = False
            report.bump("deactivated", "units")
    session.flush()
    leaves = cfg.leaves()
    for group, leaf in leaves:
        _upsert(session, Category, leaf.code, dict(
            code=leaf.code, name=leaf.name, group_code=group.code, group_name=group.name, dept=leaf.dept,
            track=leaf.track, description=leaf.description, keywords=list(leaf.keywords), active=True), report)
    wanted_cats = {leaf.code for _, leaf in leaves}
    for cat in session.scalars(select(Category).where(Category.active.is_(True))):
        if cat.code not in wanted_cats:
            cat.active = False
            report.bump("deactivated", "categories")
    for t in cfg.teams.teams:
        _upsert(session, Team, t.code, dict(
            code=t.code, name=t.name, town_code=t.town, unit_code=t.centre, base_lng=t.base[0],
            base_lat=t.base[1], vehicles=list(t.vehicles), equipment=list(t.equipment), members=t.members),
            report)
    directory_service.clear_lookups()
    documents = {
        "sla": cfg.sla.model_dump(mode="json"),
        "city": cfg.divisions.city.model_dump(mode="json"),
        # fingerprints of the tables above, so that caches built from them (routing's gazetteer and
        # unit rules) notice a reload by reading one checksum
        "directory": {name: _checksum(getattr(cfg, name).model_dump(mode="json"))
                      for name in ("divisions", "departments", "categories")},
    }
    for name, document in documents.items():
        checksum = _checksum(document)
        record = session.get(CityConfigRecord, name)
        if record is None:
            session.add(CityConfigRecord(name=name, document=document, checksum=checksum, loaded_at=now))
            report.bump("added", "city_config")
        elif record.checksum != checksum:
            record.document, record.checksum, record.loaded_at = document, checksum, now
            report.bump("updated", "city_config")
    session.flush()
    return report
