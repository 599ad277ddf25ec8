"""The floor under `bench intake`: what this machine's HTTP stack answers with no database at all.

    python benchmarks/http_floor.py [--requests 20000] [--out benchmarks/results]

The same load as `minsheng bench intake` (its request bodies, 16 keep-alive connections, one
asyncio load generator on the same 2 cores, 2 server processes on SO_REUSEPORT sockets, uvloop and
httptools) against two apps that do no I/O:

- "asgi": a bare ASGI callable that reads the body and answers 201 with a fixed JSON object;
- "fastapi": a FastAPI route that parses the body into the platform's own `CaseCreate` (Pydantic),
  checks that a bearer token is present and answers `CaseCreated`.

Whatever the platform does per request (authenticate, number, route, write the case, its timeline
and outbox rows, commit) comes on top of these figures, and PostgreSQL's own CPU comes out of the
same two cores: so they bound what `bench intake` can reach here. Writes
benchmarks/results/http-floor.json.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

RESPONSE = json.dumps({"id": 1, "number": "2026112500001", "status": "received"}).encode()


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 201,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(RESPONSE)).encode())]})
    await send({"type": "http.response.body", "body": RESPONSE})


def fastapi_app() -> Any:
    # (no `from __future__ import annotations` in this file: FastAPI reads the route's annotations)
    from fastapi import FastAPI, Header, HTTPException

    from minsheng.cases.schemas import CaseCreate, CaseCreated

    app = FastAPI()

    @app.post("/api/v1/cases", status_code=201, response_model=CaseCreated)
    async def create(body: CaseCreate, authorization: str = Header("")) -> CaseCreated:
        if not authorization.startswith("Bearer "):
            raise HTTPException(401)
        return CaseCreated(id=1, number="2026112500001", status="received")

    return app


def serve(app_name: str, port: int) -> None:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    app = asgi_app if app_name == "asgi" else fastapi_app()
    config = uvicorn.Config(app, loop="uvloop", http="httptools", log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_listening(port: int, procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        listening = sum(1 for p in procs for c in psutil.Process(p.pid).net_connections("tcp")
                        if c.status == psutil.CONN_LISTEN and c.laddr.port == port)
        if listening == len(procs):
            return
        time.sleep(0.2)
    raise RuntimeError("servers did not start")


def measure(app_name: str, bodies: list[bytes], concurrency: int, workers: int) -> dict[str, Any]:
    from minsheng.bench.loadgen import build_post, percentile, run_load

    port = _free_port()
    procs = [subprocess.Popen([sys.executable, __file__, "serve", app_name, str(port)]) for _ in range(workers)]
    try:
        _wait_until_listening(port, procs)
        requests = [build_post("127.0.0.1", port, "/api/v1/cases", "floor-token", b) for b in bodies]
        run_load("127.0.0.1", port, requests[: len(requests) // 10], concurrency)  # warm-up
        timed = requests[len(requests) // 10:]
        servers = [psutil.Process(p.pid) for p in procs]
        cpu_before = sum(sum(s.cpu_times()[:2]) for s in servers)
        client_before = sum(psutil.Process().cpu_times()[:2])
        load = run_load("127.0.0.1", port, timed, concurrency)
        server_cpu = sum(sum(s.cpu_times()[:2]) for s in servers) - cpu_before
        client_cpu = sum(psutil.Process().cpu_times()[:2]) - client_before
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
    n = len(load.latencies)
    return {"requests_per_s": round(n / load.seconds, 1),
            "latency_ms_p50": round(percentile(load.latencies, 50) * 1000, 2),
            "latency_ms_p99": round(percentile(load.latencies, 99) * 1000, 2), "requests": n,
            "statuses": {str(k): v for k, v in load.statuses.items()},
            "server_cpu_ms_per_request": round(server_cpu * 1000 / max(n, 1), 3),
            "client_cpu_ms_per_request": round(client_cpu * 1000 / max(n, 1), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    from minsheng.bench.intake import payloads
    from minsheng.bench.results import machine_facts, write_result

    bodies = [json.dumps(b, ensure_ascii=False).encode() for b in payloads(args.requests, 20261125)]
    result: dict[str, Any] = {
        "benchmark": "http-floor",
        "params": {"requests": args.requests, "concurrency": args.concurrency, "server_workers": args.workers,
                   "load": "bench intake's bodies and load generator; a tenth of them first as warm-up",
                   "cpus_on_machine": os.cpu_count()},
        "machine": machine_facts(),
    }
    for app_name in ("asgi", "fastapi"):
        result[app_name] = measure(app_name, bodies, args.concurrency, args.workers)
        print(app_name, json.dumps(result[app_name], ensure_ascii=False), flush=True)
    path = write_result("http-floor", result, args.out)
    print(path)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        main()
