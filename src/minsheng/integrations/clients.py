"""Integration clients of the channels: the secret their webhooks are signed with, the key's system."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.directory.actors import Actor
from minsheng.directory.models import ApiKey
from minsheng.errors import Forbidden
from minsheng.integrations.models import ChannelClient

SECRET_PREFIX = "whsec_"


def ensure_client(session: Session, key: ApiKey, *, now: datetime) -> ChannelClient:
    """The client's row, created with a fresh webhook secret the first time."""
    client = session.get(ChannelClient, key.id)
    if client is None:
        client = ChannelClient(api_key_id=key.id, webhook_secret=SECRET_PREFIX + secrets.token_urlsafe(32),
                               created_at=now)
        session.add(client)
        session.flush()
    return client


def rotate_secret(session: Session, key: ApiKey, *, now: datetime) -> ChannelClient:
    client = ensure_client(session, key, now=now)
    client.webhook_secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    client.rotated_at = now
    return client


def require_system_key(session: Session, actor: Actor, system: str) -> ApiKey:
    """The API key behind `actor`, which must belong to `system` (12345, 110 or open311)."""
    return require_client(session, actor, system)[0]


def require_client(session: Session, actor: Actor, system: str) -> tuple[ApiKey, ChannelClient | None]:
    """The key (as require_system_key) and its channel client row, read in one statement."""
    row = None
    if actor.api_key_id is not None:
        row = session.execute(select(ApiKey, ChannelClient).outerjoin(
            ChannelClient, ChannelClient.api_key_id == ApiKey.id).where(ApiKey.id == actor.api_key_id)).first()
    if row is None or not row[0].active or row[0].system != system:
        raise Forbidden(f"需要 {system} 系统的集成密钥")
    return row[0], row[1]
