"""Notifier backends: log (default), a webhook (e.g. an IM bot gateway), an SMS-over-HTTP gateway."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

import httpx

from minsheng.integrations.notify.base import DeliveryFailed, Notification, Notifier, SendResult
from minsheng.integrations.settings import ChannelSettings
from minsheng.integrations.webhooks import encode_body, signed_headers

log = logging.getLogger("minsheng.notify")


class LogNotifier:
    """Writes each message to the log: the default, and what a demo or a test sees."""

    name = "log"

    def send(self, notification: Notification) -> SendResult:
        for r in notification.recipients:
            log.info("notify %s → %s %s%s: %s", notification.event, r.kind, r.name,
                     f" ({r.unit})" if r.unit else "", notification.text)
        if not notification.recipients:
            log.info("notify %s: no recipient (%s)", notification.event, notification.text)
        return SendResult("log", sent=len(notification.recipients))


class WebhookNotifier:
    """POSTs one signed JSON message with its recipients to a configured URL."""

    name = "webhook"

    def __init__(self, url: str, secret: str, client: httpx.Client) -> None:
        self.url, self.secret, self.client = url, secret, client

    def send(self, notification: Notification) -> SendResult:
        raw = encode_body({
            "event": notification.event, "text": notification.text, "case_id": notification.case_id,
            "case_number": notification.case_number, "recipients": [asdict(r) for r in notification.recipients]})
        headers = signed_headers(self.secret, raw, event=notification.event, delivery_id=notification.outbox_id,
                                 timestamp=int(time.time()))
        try:
            resp = self.client.post(self.url, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}", target=self.url) from exc
        if not 200 <= resp.status_code < 300:
            raise DeliveryFailed(f"HTTP {resp.status_code}: {resp.text[:200]}", status_code=resp.status_code,
                                 target=self.url)
        return SendResult(self.url, resp.status_code, sent=len(notification.recipients))


class SmsGatewayNotifier:
    """One POST per recipient with a phone number: {"phone", "text", "sign", "request_id"}.

    request_id is stable across retries (outbox id and recipient index) so that a gateway which
    deduplicates does not send a text twice when an earlier try failed half-way.
    """

    name = "sms"

    def __init__(self, url: str, token: str, signature: str, client: httpx.Client) -> None:
        self.url, self.token, self.signature, self.client = url, token, signature, client

    def send(self, notification: Notification) -> SendResult:
        sent, skipped, last_status = 0, [], None
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        for index, r in enumerate(notification.recipients):
            if not r.phone:
                skipped.append(r.name)
                continue
            body = {"phone": r.phone, "text": notification.text, "sign": self.signature,
                    "request_id": f"{notification.outbox_id}-{index}"}
            try:
                resp = self.client.post(self.url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                raise DeliveryFailed(f"{type(exc).__name__}: {exc}", target=self.url) from exc
            if not 200 <= resp.status_code < 300:
                raise DeliveryFailed(f"HTTP {resp.status_code}: {resp.text[:200]}", status_code=resp.status_code,
                                     target=self.url)
            sent, last_status = sent + 1, resp.status_code
        detail = f"无手机号未发送：{'、'.join(skipped)}" if skipped else ""
        return SendResult(self.url, last_status, detail, sent=sent, skipped=skipped)


def make_notifier(settings: ChannelSettings, client: httpx.Client) -> Notifier:
    backend = settings.notify_backend.lower()
    if backend == "webhook":
        if not settings.notify_webhook_url:
            raise ValueError("MINSHENG_NOTIFY_BACKEND=webhook needs MINSHENG_NOTIFY_WEBHOOK_URL")
        return WebhookNotifier(settings.notify_webhook_url, settings.notify_webhook_secret, client)
    if backend == "sms":
        if not settings.sms_gateway_url:
            raise ValueError("MINSHENG_NOTIFY_BACKEND=sms needs MINSHENG_SMS_GATEWAY_URL")
        return SmsGatewayNotifier(settings.sms_gateway_url, settings.sms_gateway_token, settings.sms_signature,
                                  client)
    if backend == "log":
        return LogNotifier()
    raise ValueError(f"unknown MINSHENG_NOTIFY_BACKEND {settings.notify_backend!r} (log, webhook or sms)")
