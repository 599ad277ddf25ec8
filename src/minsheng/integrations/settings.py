"""Settings of the channels (environment, prefix MINSHENG_), kept apart from the core settings."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ChannelSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINSHENG_", extra="ignore")

    # delivery of the outbox (webhooks and notifications)
    dispatch_interval_seconds: float = 0.5
    dispatch_batch: int = 50
    dispatch_parallel: int = 8  # messages of a batch sent at the same time
    delivery_timeout_seconds: float = 5.0
    delivery_lease_seconds: float = 60.0  # a claimed message is retried by others after this
    backoff_base_seconds: float = 10.0
    backoff_cap_seconds: float = 3600.0
    # "true"/"false" forces the in-process dispatcher on or off; unset follows run_worker_in_process
    dispatch_in_process: bool | None = None

    # notifications: log (default) | webhook | sms
    notify_backend: str = "log"
    notify_webhook_url: str = ""
    notify_webhook_secret: str = ""
    sms_gateway_url: str = ""
    sms_gateway_token: str = ""
    sms_signature: str = "民声一键办"

    # Open311
    open311_jurisdiction_id: str = ""  # default: the host of base_url
    open311_public_channels: str = "open311"  # channels whose requests GET /requests lists

    # citizen's page: wrong guesses allowed per window
    lookup_max_failures_per_case: int = 5
    lookup_case_window_seconds: int = 15 * 60
    lookup_max_failures_per_ip: int = 20
    lookup_ip_window_seconds: int = 60 * 60


def channel_settings() -> ChannelSettings:
    """Read from the environment on every call (cheap; tests and operators change it)."""
    return ChannelSettings()
