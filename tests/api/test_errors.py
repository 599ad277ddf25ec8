"""Error mapping: a value the database cannot hold is the client's 422, not a server error."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from minsheng.api.deps import ReadSession
from minsheng.api.errors import install_error_handlers
from minsheng.cases.models import Case


def test_ids_past_the_integer_range_answer_422(db, client, login, backend) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/raw/{case_id}")
    def raw(case_id: int, session: ReadSession) -> Any:  # an id without bounds, straight to the database
        return session.scalars(select(Case.id).where(Case.id == case_id)).first()

    with TestClient(app, raise_server_exceptions=False) as raw_client:
        too_big = (2**31, 2**63, 10**30) if backend == "postgresql" else (2**63, 10**30)  # SQLite: 64-bit
        for big in too_big:
            resp = raw_client.get(f"/raw/{big}")
            assert resp.status_code == 422 and resp.json()["code"] == "invalid_value", (big, resp.text)
        assert raw_client.get("/raw/1").status_code == 200
    # the case routes bound their ids at the edge
    resp = client.get(f"/api/v1/cases/{2**31}", headers=login("citydisp"))
    assert resp.status_code == 422 and resp.json()["field"] == "case_id"
