"""POST /api/v1/cases answers alike on its lean path and on FastAPI's usual handling (api/lean.py)."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Response

from minsheng.api.deps import database
from minsheng.cases import views

JSON = "application/json"
BASE = {"channel": "12345", "content": "路灯坏了很久了", "address": "当湖街道", "town": "330482001"}
# body, content type: first the common requests (taking the lean path), then what JSON parsing and
# validation accept or refuse differently, and what the lean path leaves to the usual way
COMMON = 5
BODIES: list[tuple[bytes, str | None]] = [
    (json.dumps(BASE).encode(), JSON),
    (json.dumps({**BASE, "citizen_phone": "13800000000", "source_system": "s", "source_id": "1"}).encode(), JSON),
    (json.dumps({**BASE, "source_system": "s", "source_id": "1"}).encode(), JSON),  # a retry
    (json.dumps({**BASE, "content": "  空格  ", "lng": "120.5", "lat": 30, "priority": "1"}).encode(), JSON),
    (b'{"channel":"fax","content":"abc","channel":"app"}', JSON),  # the last of duplicate keys wins
    (b'{"channel":"app","content":"abc","channel":"fax"}', JSON),
    (b'{"channel":"app","content":"a\tb"}', JSON),  # a raw control character
    (b'{"channel":"app","content":"ab\\ud800"}', JSON),  # a lone surrogate
    (b'{"channel":"app","content":"ab\xff"}', JSON),  # not UTF-8
    (b'\xef\xbb\xbf{"channel":"app","content":"abc"}', JSON),  # a byte order mark
    (b'{"channel":"app","content":"abc","lng":NaN}', JSON),
    (b'{"channel":"app","content":"abc","priority":1e400}', JSON),
    (b'{"channel":"app","content":"abc"} x', JSON),
    (json.dumps({**BASE, "channel": "fax", "foo": 1}).encode(), JSON),
    (b"", JSON),
    (b"[]", JSON),
    (json.dumps(BASE).encode(), "application/json; charset=utf-8"),
    (json.dumps(BASE).encode(), "text/plain"),
    (json.dumps(BASE).encode(), None),
]


def _answer(resp: Any) -> tuple[int, str | None, str]:
    """Status, type and body, the new case's id and number aside."""
    body = re.sub(r"\d+", "0", resp.text) if resp.status_code == 201 else resp.text
    return resp.status_code, resp.headers.get("content-type"), body


def test_lean_and_usual_paths_answer_alike(app, client, login, monkeypatch) -> None:
    answered: list[Response] = []

    class Recorded(Response):  # the lean path's answers
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            answered.append(self)

    monkeypatch.setattr(views, "Response", Recorded)
    headers = login("calltaker")
    client.post("/api/v1/cases", json=BASE, headers=headers)  # the caller is known from now on
    for index, (content, content_type) in enumerate(BODIES):
        sent = {**headers, **({"content-type": content_type} if content_type else {})}
        answered.clear()
        lean = client.post("/api/v1/cases", content=content, headers=sent)
        took_lean = bool(answered)
        app.dependency_overrides[database] = database  # any override: the usual way
        usual = client.post("/api/v1/cases", content=content, headers=sent)
        app.dependency_overrides.clear()
        assert _answer(lean) == _answer(usual), content
        assert took_lean == (index < COMMON), content  # anything else: the usual way
    # an unknown or missing caller goes the usual way, whatever the body
    for sent in ({"Authorization": "Bearer forged"}, {}):
        resp = client.post("/api/v1/cases", json=BASE, headers=sent)
        assert resp.status_code == 401 and resp.headers["www-authenticate"] == "Bearer"
