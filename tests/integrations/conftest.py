"""Fixtures of the channel tests: integration keys, a local webhook receiver, a live HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from minsheng.clock import utcnow
from minsheng.db import Database
from minsheng.directory.security import do_create_api_key
from minsheng.integrations.clients import ensure_client

INTAKE = {
    "source_id": "GD202611250001",
    "content": "当湖街道水洞埭社区门口窨井盖缺失，夜里有人差点踩空",
    "address": "当湖街道水洞埭社区东门",
    "citizen_name": "李四",
    "citizen_phone": "13900001234",
}


@dataclass
class Key:
    name: str
    system: str
    plain: str
    id: int
    secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.plain}"}


@pytest.fixture
def make_key(db: Database) -> Callable[..., Key]:
    def _make(system: str = "12345", name: str | None = None) -> Key:
        with db.session() as s:
            key, plain = do_create_api_key(s, name or f"client-{system}-{time.monotonic_ns()}", system, now=utcnow())
            secret = ensure_client(s, key, now=utcnow()).webhook_secret
            return Key(key.name, system, plain, key.id, secret)

    return _make


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that answers with the queued status codes (then 200)."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        with self.lock:
            return list(self.received)


def start_receiver(port: int = 0) -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec, server = start_receiver()
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 in this process (same test database)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)
