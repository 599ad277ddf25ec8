"""Webhook signatures (pure): HMAC-SHA256 over timestamp and raw body, with a replay window."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from minsheng.integrations.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    encode_body,
    signature,
    signed_headers,
    verify,
)

SECRET = "whsec_test"


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    raw = encode_body({"event": "case.signed", "case": {"number": "2026112500001"}})
    expected = hmac.new(SECRET.encode(), b"1764032400." + raw, hashlib.sha256).hexdigest()
    assert signature(SECRET, 1764032400, raw) == f"sha256={expected}"


def test_the_body_is_utf8_json_with_chinese_kept_readable() -> None:
    assert encode_body({"b": "已签收", "a": 1}) == '{"a":1,"b":"已签收"}'.encode()


def test_a_receiver_accepts_a_fresh_valid_delivery_and_refuses_the_rest() -> None:
    raw = encode_body({"event": "case.closed"})
    h = signed_headers(SECRET, raw, event="case.closed", delivery_id=7, timestamp=1000)
    ok = dict(timestamp=h[TIMESTAMP_HEADER], signature_header=h[SIGNATURE_HEADER])
    assert verify(SECRET, raw, now=1100, **ok)
    assert not verify("whsec_other", raw, now=1100, **ok)
    assert not verify(SECRET, raw + b" ", now=1100, **ok)
    assert not verify(SECRET, raw, now=1000 + 301, **ok)  # replayed too late
    assert not verify(SECRET, raw, now=1100, timestamp="1001", signature_header=h[SIGNATURE_HEADER])
    assert not verify(SECRET, raw, now=1100, timestamp=None, signature_header=h[SIGNATURE_HEADER])
    assert not verify(SECRET, raw, now=1100, timestamp="soon", signature_header=h[SIGNATURE_HEADER])


@given(st.binary(max_size=300), st.integers(min_value=0, max_value=2**40))
def test_any_body_signed_verifies_and_any_change_does_not(raw: bytes, ts: int) -> None:
    sig = signature(SECRET, ts, raw)
    assert verify(SECRET, raw, timestamp=str(ts), signature_header=sig, now=ts)
    assert not verify(SECRET, raw + b"x", timestamp=str(ts), signature_header=sig, now=ts)
