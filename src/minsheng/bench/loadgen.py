"""A small HTTP/1.1 load generator: N keep-alive connections, each sending its share of requests
back to back and timing each one. Plain asyncio streams (uvloop when present) so that the client
spends little of the CPU it shares with the server.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    statuses: dict[int, int] = field(default_factory=dict)
    first_error: str = ""


def build_post(host: str, port: int, path: str, token: str, body: bytes) -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:].strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


async def _connection(host: str, port: int, requests: list[bytes], expect: int, result: LoadResult,
                      deadline: float, schedule: list[float] | None = None) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for index, request in enumerate(requests):
            if schedule is not None:  # paced: not before this request's turn
                await asyncio.sleep(max(0.0, schedule[index] - time.perf_counter()))
            started = time.perf_counter()
            if started > deadline:
                break
            writer.write(request)
            status, body = await _read_response(reader)
            elapsed = time.perf_counter() - started
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status == expect:
                result.latencies.append(elapsed)
            elif not result.first_error:
                result.first_error = f"{status} {body[:300]!r}"
    finally:
        writer.close()


async def _run(host: str, port: int, requests: list[bytes], concurrency: int, expect: int,
               max_seconds: float, rate: float | None = None) -> LoadResult:
    result = LoadResult(0.0)
    shares = [requests[i::concurrency] for i in range(concurrency)]
    started = time.perf_counter()
    deadline = started + max_seconds
    # paced: the n-th request overall is due n/rate seconds after the start
    schedules = [[started + (k * concurrency + c) / rate for k in range(len(share))] if rate else None
                 for c, share in enumerate(shares)]
    await asyncio.gather(*(_connection(host, port, share, expect, result, deadline, schedule)
                           for share, schedule in zip(shares, schedules, strict=True)))
    result.seconds = time.perf_counter() - started
    return result


def run_load(host: str, port: int, requests: list[bytes], concurrency: int, expect: int = 201,
             max_seconds: float = float("inf"), rate: float | None = None) -> LoadResult:
    """Send `requests` over `concurrency` connections; each stops early once `max_seconds` have passed.
    With `rate`, requests are paced to that many per second overall (else each connection sends
    back to back)."""
    try:
        import uvloop

        return uvloop.run(_run(host, port, requests, concurrency, expect, max_seconds, rate))
    except ImportError:  # pragma: no cover - uvloop is a dependency
        return asyncio.run(_run(host, port, requests, concurrency, expect, max_seconds, rate))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]
