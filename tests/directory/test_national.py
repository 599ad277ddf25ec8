"""National division codes: import, and a new city's divisions.yaml from its code."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import func, select

from minsheng.db import Database
from minsheng.directory.config import DivisionsFile
from minsheng.directory.models import Division
from minsheng.directory.national import city_skeleton, import_national

DATA = Path(__file__).resolve().parents[2] / "src" / "minsheng" / "directory" / "data" / "divisions"


def test_import_then_skeleton_for_another_city(db: Database) -> None:
    with db.session() as s:
        first = import_national(s, DATA)
    assert first["added"] > 60000
    assert first["already_known"] == 9 + 136 + 1  # Pinghu's own rows are left as configured
    with db.session() as s:
        again = import_national(s, DATA)
    assert again["added"] == 0
    with db.read_session() as s:
        assert s.get(Division, "330481").name == "海宁市"
        assert s.get(Division, "330482").in_city  # configured city untouched
        assert s.scalar(select(func.count()).where(Division.level == "province")) == 31
        text = city_skeleton(s, "330481")
    doc = DivisionsFile.model_validate(yaml.safe_load(text))
    assert doc.city.name == "海宁市" and doc.city.parent == "浙江省嘉兴市"
    assert len(doc.towns) >= 10
    assert all(v.code.startswith(t.code) for t in doc.towns for v in t.villages)
    assert any(v.short and v.short.endswith("村") for t in doc.towns for v in t.villages)
