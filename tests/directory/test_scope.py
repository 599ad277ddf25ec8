"""Scope extensions: a domain widens what a unit sees, without widening anyone else's view."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import ColumnElement

from minsheng.cases.models import Case
from minsheng.directory import service
from minsheng.directory.actors import Actor
from tests.cases.test_views import act, create


def _zfj_sees_zhongdai(session: Any, actor: Actor, codes: list[str]) -> ColumnElement[bool] | None:
    return Case.town_code == "330482002" if "ZFJ" in codes else None


@pytest.fixture
def extended() -> Iterator[None]:
    service.scope_extensions.append(_zfj_sees_zhongdai)
    yield
    service.scope_extensions.remove(_zfj_sees_zhongdai)


def test_an_extension_widens_only_the_units_it_names(client, login, extended) -> None:
    ct, city = login("calltaker"), login("citydisp")
    zd_case = create(client, ct, town="330482002", address="钟埭街道")["id"]
    act(client, city, zd_case, "assign", unit="ZX-ZD")
    dh_case = create(client, ct)["id"]
    act(client, city, dh_case, "assign", unit="ZX-DH")
    zfj_ids = [c["id"] for c in client.get("/api/v1/cases", headers=login("zfj")).json()["items"]]
    assert zfj_ids == [zd_case]
    assert client.get(f"/api/v1/cases/{zd_case}", headers=login("zfj")).status_code == 200
    assert client.get(f"/api/v1/cases/{zd_case}", headers=login("zjj")).status_code == 404
    assert client.get(f"/api/v1/cases/{zd_case}", headers=login("dh_disp")).status_code == 404


def test_without_the_extension_the_department_sees_only_its_own(client, login) -> None:
    ct, city = login("calltaker"), login("citydisp")
    zd_case = create(client, ct, town="330482002", address="钟埭街道")["id"]
    act(client, city, zd_case, "assign", unit="ZX-ZD")
    assert client.get(f"/api/v1/cases/{zd_case}", headers=login("zfj")).status_code == 404
