"""The loaded city, read back from the database (divisions, units, categories) for routing.

Routing's pure parts (gazetteer, unit rules, training priors) take a `CityConfig`; in a running
platform the city is whatever `minsheng load-config` last wrote, so it is rebuilt from those rows.
`routing_checksum` is the cheap fingerprint callers cache on (rows written by load_city, and the
routing.yaml override rules stored by `minsheng load-config`).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.directory.config import CityConfig
from minsheng.directory.models import Category, CityConfigRecord, Division, Unit
from minsheng.routing.assign import OverrideRule, RoutingFile

DEPARTMENT_KINDS = ("centre", "department", "utility", "town_centre")
RULES_DOCUMENT = "routing"


def city_config_from_db(session: Session) -> CityConfig | None:
    """The loaded city as a CityConfig (teams left out); None when no city is loaded."""
    divisions = list(session.scalars(select(Division).where(Division.in_city.is_(True)).order_by(Division.code)))
    city = next((d for d in divisions if d.level == "city"), None)
    units = list(session.scalars(select(Unit).where(Unit.active.is_(True), Unit.kind.in_(DEPARTMENT_KINDS))
                                 .order_by(Unit.path)))
    if city is None or not any(u.kind == "centre" for u in units):
        return None
    city_doc = session.get(CityConfigRecord, "city")
    sla_doc = session.get(CityConfigRecord, "sla")
    villages: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in divisions:
        if d.level == "village" and d.parent_code:
            villages[d.parent_code].append(_place(d))
    towns = [dict(_place(d), villages=villages.get(d.code, [])) for d in divisions if d.level == "town"]
    city_info = dict(_place(city), parent=(city_doc.document or {}).get("parent") if city_doc else None)
    groups: dict[str, dict[str, Any]] = {}
    for c in session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code)):
        group = groups.setdefault(c.group_code, {"code": c.group_code, "name": c.group_name, "leaves": []})
        group["leaves"].append({"code": c.code, "name": c.name, "dept": c.dept, "track": c.track,
                                "description": c.description or "", "keywords": list(c.keywords or [])})
    return CityConfig.model_validate({
        "divisions": {"city": city_info, "towns": towns},
        "departments": {"departments": [
            {"code": u.code, "name": u.name, "level": "town" if u.level == "town" else "city", "kind": u.kind,
             "duties": u.duties or "", "town": u.town_code} for u in units]},
        "categories": {"groups": list(groups.values())},
        "sla": sla_doc.document if sla_doc else {"calendars": {}, "tracks": {}},
        "teams": {"teams": []},
    })


def _place(d: Division) -> dict[str, Any]:
    return {"code": d.code, "name": d.name, "short": d.short, "aliases": list(d.aliases or []),
            "former_names": list(d.former_names or [])}


def rules_from_db(session: Session) -> list[OverrideRule]:
    """The routing override rules stored by `minsheng load-config` (from routing.yaml)."""
    record = session.get(CityConfigRecord, RULES_DOCUMENT)
    if record is None:
        return []
    return list(RoutingFile.model_validate(record.document or {}).rules)


def store_rules(session: Session, rules: list[OverrideRule], now: datetime) -> bool:
    """Keep `rules` in the database (city_config "routing"); True when they changed."""
    document = RoutingFile(rules=rules).model_dump(mode="json", exclude_defaults=False)
    checksum = hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    record = session.get(CityConfigRecord, RULES_DOCUMENT)
    if record is None:
        session.add(CityConfigRecord(name=RULES_DOCUMENT, document=document, checksum=checksum, loaded_at=now))
        return True
    if record.checksum == checksum:
        return False
    record.document, record.checksum, record.loaded_at = document, checksum, now
    return True


def routing_checksum(session: Session) -> str | None:
    """Fingerprint of everything a Router is built from in the database (None before any load)."""
    rows = dict(session.execute(select(CityConfigRecord.name, CityConfigRecord.checksum).where(
        CityConfigRecord.name.in_(("directory", RULES_DOCUMENT)))).all())
    if "directory" not in rows:
        return None
    return f"{rows['directory'][:16]}:{rows.get(RULES_DOCUMENT, '-')[:16]}"
