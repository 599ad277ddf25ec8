"""Signed webhooks: HMAC-SHA256 over "<timestamp>.<raw body>" with the client's secret.

Headers sent with every delivery:
  X-Minsheng-Event: case.signed            X-Minsheng-Delivery: <outbox id, the same on every retry>
  X-Minsheng-Timestamp: <unix seconds>     X-Minsheng-Signature: sha256=<hex>
A receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares in constant time,
refuses timestamps older than a few minutes (replay) and ignores a delivery id it has already seen.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

EVENT_HEADER = "X-Minsheng-Event"
DELIVERY_HEADER = "X-Minsheng-Delivery"
TIMESTAMP_HEADER = "X-Minsheng-Timestamp"
SIGNATURE_HEADER = "X-Minsheng-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


def encode_body(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature(secret: str, timestamp: int, raw: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, raw: bytes, *, event: str, delivery_id: int, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        EVENT_HEADER: event,
        DELIVERY_HEADER: str(delivery_id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, raw),
        "User-Agent": "minsheng-webhook/1",
    }


def verify(secret: str, raw: bytes, *, timestamp: str | None, signature_header: str | None, now: float,
           tolerance: float = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """What a receiver does: a valid signature over this body, made recently."""
    if not timestamp or not signature_header:
        return False
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(now - ts) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, ts, raw), signature_header)
