"""Notifier backends: log, webhook and SMS gateway over HTTP (fake transport), and their failures."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from minsheng.integrations.notify.backends import (
    LogNotifier,
    SmsGatewayNotifier,
    WebhookNotifier,
    make_notifier,
)
from minsheng.integrations.notify.base import DeliveryFailed, Notification, Recipient
from minsheng.integrations.settings import ChannelSettings
from minsheng.integrations.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature

NOTE = Notification(7, "case_assigned", "【民声一键办】新工单N1已派至市综合执法局", [
    Recipient("user", "王队长", "13800000001", 3, "ZFJ"), Recipient("user", "无手机", None, 4, "ZFJ")],
    case_id=1, case_number="N1")


def transport(status: int, seen: list[httpx.Request]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, text="ok" if status < 300 else "busy")

    return httpx.Client(transport=httpx.MockTransport(handle))


def test_log_notifier_writes_one_line_per_recipient(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="minsheng.notify"):
        result = LogNotifier().send(NOTE)
    lines = [r.getMessage() for r in caplog.records]
    assert result.sent == 2 and len(lines) == 2 and "王队长" in lines[0] and NOTE.text in lines[0]


def test_sms_gateway_sends_one_text_per_phone_with_a_stable_request_id() -> None:
    seen: list[httpx.Request] = []
    sms = SmsGatewayNotifier("http://sms.local/send", "tok", "平湖民声", transport(200, seen))
    result = sms.send(NOTE)
    assert result.sent == 1 and result.skipped == ["无手机"] and "无手机号" in result.detail
    [req] = seen
    assert req.headers["authorization"] == "Bearer tok"
    assert json.loads(req.content) == {"phone": "13800000001", "text": NOTE.text, "sign": "平湖民声",
                                       "request_id": "7-0"}


def test_webhook_notifier_signs_the_message() -> None:
    seen: list[httpx.Request] = []
    WebhookNotifier("http://im.local/bot", "s3cret", transport(204, seen)).send(NOTE)
    [req] = seen
    ts = int(req.headers[TIMESTAMP_HEADER])
    assert req.headers[SIGNATURE_HEADER] == signature("s3cret", ts, req.content)
    body = json.loads(req.content)
    assert body["event"] == "case_assigned" and [r["name"] for r in body["recipients"]] == ["王队长", "无手机"]


@pytest.mark.parametrize("backend", ["sms", "webhook"])
def test_a_refusal_raises_delivery_failed_with_the_status(backend: str) -> None:
    seen: list[httpx.Request] = []
    client = transport(503, seen)
    notifier = (SmsGatewayNotifier("http://sms.local", "", "x", client) if backend == "sms"
                else WebhookNotifier("http://im.local", "s", client))
    with pytest.raises(DeliveryFailed) as info:
        notifier.send(NOTE)
    assert info.value.status_code == 503


def test_backends_are_chosen_by_settings() -> None:
    client = httpx.Client()
    assert make_notifier(ChannelSettings(), client).name == "log"
    assert make_notifier(ChannelSettings(notify_backend="sms", sms_gateway_url="http://x"), client).name == "sms"
    assert make_notifier(ChannelSettings(notify_backend="webhook", notify_webhook_url="http://x"), client).name \
        == "webhook"
    with pytest.raises(ValueError, match="SMS_GATEWAY_URL"):
        make_notifier(ChannelSettings(notify_backend="sms"), client)
    with pytest.raises(ValueError, match="unknown"):
        make_notifier(ChannelSettings(notify_backend="pigeon"), client)
