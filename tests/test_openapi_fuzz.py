"""Schemathesis over /openapi.json: generated requests to every operation find no server error (5xx).

Bounded (a few examples per operation) so that it runs in the ordinary suite on both backends.
Staff operations are called as the admin user, the intake operations with a 12345 or 110 key.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from minsheng.app import create_app
from minsheng.clock import utcnow
from minsheng.directory.security import do_create_api_key

MAX_EXAMPLES = 10


@pytest.fixture
def credentials(db: Any, login: Any) -> dict[str, dict[str, str]]:
    keys = {}
    with db.session() as s:
        for system in ("12345", "110", "open311"):
            _, plain = do_create_api_key(s, f"fuzz-{system}", system, now=utcnow())
            keys[system] = {"Authorization": f"Bearer {plain}"}
    return {"staff": login("admin"), **keys}


# The app object only serves the schema and routes requests; the database is the one the `db`
# fixture installs for each test (both backends).
# (from the app's own document rather than from_asgi, which would run the app's lifespan at import)
_app = create_app()
schema = schemathesis.openapi.from_dict(_app.openapi())
schema.app = _app


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error(case: Any, credentials: dict[str, dict[str, str]]) -> None:
    path = case.operation.path
    if path.startswith("/api/v1/intake/"):
        headers = credentials["110" if "/110" in path else "12345"]
    else:
        headers = credentials["staff"]
    response = case.call(headers={**headers, **(case.headers or {})})
    assert response.status_code < 500, (f"{case.method} {case.formatted_path} → {response.status_code}\n"
                                         f"{case.as_curl_command()}\n{response.text[:2000]}")
