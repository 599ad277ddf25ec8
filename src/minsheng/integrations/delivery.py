"""The outbox dispatcher: claims due "webhook" and "notify" rows, delivers them, records every try.

A claim (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's write lock serialises) pushes the row's
available_at forward by a lease and commits, so the HTTP call happens outside any transaction and
another dispatcher skips the row. On a 2xx the row is marked delivered; otherwise attempts + 1 and
it becomes due again after an exponential backoff with a cap and jitter. If a dispatcher dies
mid-way, the lease runs out and another one retries: delivery is at least once, and the
X-Minsheng-Delivery id lets a receiver drop the rare repeat.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from minsheng.cases.models import Case
from minsheng.clock import utcnow
from minsheng.db import Database, for_update
from minsheng.events.models import OutboxMessage
from minsheng.integrations.models import ChannelClient, DeliveryAttempt
from minsheng.integrations.notify import recipients, templates
from minsheng.integrations.notify.backends import make_notifier
from minsheng.integrations.notify.base import DeliveryFailed, Notification, Notifier
from minsheng.integrations.settings import ChannelSettings, channel_settings
from minsheng.integrations.webhooks import encode_body, signed_headers

log = logging.getLogger("minsheng.delivery")
TOPICS = ("webhook", "notify")


def backoff_seconds(failures: int, *, base: float, cap: float, jitter: float) -> float:
    """Delay after the n-th failure: base·2^(n-1), capped; jitter in [0, 1) keeps 50–100 % of it."""
    raw = min(cap, base * 2 ** max(0, min(failures - 1, 30)))
    return raw * (0.5 + 0.5 * jitter)


@dataclass(frozen=True)
class Claimed:
    id: int
    topic: str
    case_id: int | None
    payload: dict[str, Any]
    attempts: int
    secret: str | None = None  # the sending client's webhook secret (webhook rows)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    target: str
    event: str
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


class Dispatcher:
    def __init__(self, db: Database, *, http: httpx.Client | None = None, notifier: Notifier | None = None,
                 settings: ChannelSettings | None = None, rng: random.Random | None = None,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.settings = settings or channel_settings()
        self.http = http or httpx.Client(timeout=self.settings.delivery_timeout_seconds, follow_redirects=False)
        self.notifier = notifier or make_notifier(self.settings, self.http)
        self.rng = rng or random.Random()
        self.wall_clock = wall_clock

    # --- one pass -------------------------------------------------------------------------------
    def run_once(self, now: datetime | None = None) -> int:
        """Deliver what is due now; returns how many messages were tried.

        A batch is claimed in one transaction, sent in parallel (a slow receiver does not hold up
        the others) and its outcomes are recorded in one transaction.
        """
        claimed = self.claim(now or utcnow())
        if not claimed:
            return 0
        if len(claimed) == 1 or self.settings.dispatch_parallel <= 1:
            outcomes = [self.deliver(m) for m in claimed]
        else:
            with ThreadPoolExecutor(min(self.settings.dispatch_parallel, len(claimed))) as pool:
                outcomes = list(pool.map(self.deliver, claimed))
        self.record(list(zip(claimed, outcomes, strict=True)), utcnow())
        return len(claimed)

    def claim(self, now: datetime) -> list[Claimed]:
        lease = timedelta(seconds=self.settings.delivery_lease_seconds)
        due = (OutboxMessage.topic.in_(TOPICS), OutboxMessage.delivered_at.is_(None), OutboxMessage.available_at <= now)
        with self.db.read_session() as s:  # idle polls stay reads (no SQLite write lock, no row locks)
            if s.scalar(select(OutboxMessage.id).where(*due).limit(1)) is None:
                return []
        with self.db.session() as s:
            stmt = (select(OutboxMessage).where(*due)
                    .order_by(OutboxMessage.available_at, OutboxMessage.id).limit(self.settings.dispatch_batch))
            rows = list(s.scalars(for_update(stmt, s, skip_locked=True)))
            for row in rows:
                row.available_at = now + lease
            clients = {r.payload.get("client") for r in rows if r.topic == "webhook"} - {None}
            secrets = dict(s.execute(select(ChannelClient.api_key_id, ChannelClient.webhook_secret)
                                     .where(ChannelClient.api_key_id.in_(clients))).all()) if clients else {}
            return [Claimed(r.id, r.topic, r.case_id, dict(r.payload), r.attempts,
                            secrets.get(r.payload.get("client"))) for r in rows]

    def deliver(self, message: Claimed) -> Outcome:
        started = time.monotonic()
        try:
            outcome = self._webhook(message) if message.topic == "webhook" else self._notify(message)
        except DeliveryFailed as exc:
            outcome = Outcome(False, exc.target, str(message.payload.get("event", "")), exc.status_code,
                              str(exc)[:1000])
        except Exception as exc:  # a bug or bad payload must not stop the loop; it is retried and shown
            log.exception("delivery of outbox %s failed", message.id)
            outcome = Outcome(False, "", str(message.payload.get("event", "")), None,
                              f"{type(exc).__name__}: {exc}"[:1000])
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(outcome.ok, outcome.target, outcome.event, outcome.status_code, outcome.error, elapsed)

    def record(self, results: list[tuple[Claimed, Outcome]], now: datetime) -> None:
        """Write each try to the history; mark delivered on success, else schedule the next try."""
        with self.db.session() as s:
            ids = [m.id for m, _ in results]
            rows = {r.id: r for r in s.scalars(for_update(
                select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id), s))}
            for message, outcome in results:
                s.add(DeliveryAttempt(outbox_id=message.id, case_id=message.case_id, topic=message.topic,
                                      event=outcome.event[:64], target=outcome.target[:500], at=now, ok=outcome.ok,
                                      status_code=outcome.status_code, error=outcome.error,
                                      duration_ms=outcome.duration_ms))
                row = rows.get(message.id)
                if row is None or row.delivered_at is not None:
                    continue
                row.attempts += 1
                if outcome.ok:
                    row.delivered_at, row.last_error = now, None
                else:
                    row.last_error = outcome.error
                    delay = backoff_seconds(row.attempts, base=self.settings.backoff_base_seconds,
                                            cap=self.settings.backoff_cap_seconds, jitter=self.rng.random())
                    row.available_at = now + timedelta(seconds=delay)

    # --- the two topics --------------------------------------------------------------------------
    def _webhook(self, message: Claimed) -> Outcome:
        url, event = str(message.payload["url"]), str(message.payload.get("event", ""))
        secret = message.secret
        if secret is None:
            raise DeliveryFailed("发送方客户端不存在或没有签名密钥", target=url)
        raw = encode_body(message.payload["body"])
        headers = signed_headers(secret, raw, event=event, delivery_id=message.id,
                                 timestamp=int(self.wall_clock()))
        try:
            resp = self.http.post(url, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}", target=url) from exc
        if 200 <= resp.status_code < 300:
            return Outcome(True, url, event, resp.status_code)
        return Outcome(False, url, event, resp.status_code, f"HTTP {resp.status_code}: {resp.text[:200]}")

    def _notify(self, message: Claimed) -> Outcome:
        event = str(message.payload.get("event", ""))
        with self.db.read_session() as s:
            case = s.get(Case, message.case_id) if message.case_id is not None else None
            params: dict[str, Any] = {}
            if case is not None:
                params.update(number=case.number, content=case.content, address=case.address)
            params.update(message.payload.get("params") or {})
            people = recipients.resolve(s, message.payload.get("to") or {}, case)
        text = templates.render(event, params, sign=self.settings.sms_signature)
        result = self.notifier.send(Notification(message.id, event, text, people, message.case_id,
                                                 case.number if case else None))
        return Outcome(True, result.target, event, result.status_code, result.detail or None)

    # --- the loop --------------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        log.info("outbox dispatcher started (backend %s)", self.notifier.name)
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("outbox dispatcher pass failed")
                busy = 0
            if not busy:
                stop.wait(self.settings.dispatch_interval_seconds)
        log.info("outbox dispatcher stopped")
