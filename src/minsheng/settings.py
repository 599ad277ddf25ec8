"""Configuration from the environment (prefix MINSHENG_). SQLite under ./var by default."""

from __future__ import annotations

import os
import secrets
import time
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINSHENG_", extra="ignore")

    database_url: str = "sqlite:///./var/minsheng.db"
    var_dir: Path = Path("./var")
    media_dir: Path = Path("./var/media")
    secret_key: str = ""
    timezone: str = "Asia/Shanghai"
    token_ttl_seconds: int = 12 * 3600
    # wrong passwords before sign-in is refused (429) for a while: per user name from one client
    # address (guessing one account), per client address over any names (guessing many), and per
    # user name from anywhere, set high (guessing from many addresses) so that a stranger's wrong
    # passwords do not easily lock a dispatcher out
    login_max_failures_per_user: int = 10
    login_max_failures_per_address: int = 30
    login_max_failures_per_account: int = 100
    login_window_seconds: int = 15 * 60
    max_attachment_bytes: int = 10 * 1024 * 1024
    allowed_attachment_types: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp", "application/pdf")
    routing_model_path: Path | None = None
    auto_assign_threshold: float = 0.85  # above 1: never assign automatically
    routing_on_intake: bool = True  # off: new cases carry no suggestions (the console still suggests while typing)
    # on: the intake path runs only the model's fast form (its text head: a first suggestion at once)
    # and a background router refines the route with the whole model, and auto-assigns, within a
    # second of the commit (routing/refiner.py); off: the whole model runs on the request's path
    routing_async: bool = True
    # where that background router runs: a thread of each app process (on), or a process of its own
    # (off: `minsheng router run`, which `minsheng serve --workers N` starts for its workers), so
    # web workers never load the sentence encoder nor spend their CPU on the whole model
    routing_in_process: bool = True
    # the router process's CPU priority (nice increment; 0: same as the web workers). Under more
    # intake than the machine can route, taking the citizen's request comes first: the router
    # catches up when intake eases (each case meanwhile carries its fast suggestion)
    router_nice: int = 10
    # and its scheduling class: Linux's SCHED_IDLE (on: the router takes only CPU nobody else
    # wants; it never holds a lock while its model runs, see refiner.route_queued) or the normal one
    router_sched_idle: bool = True
    duplicate_window_hours: float = 72.0  # open cases this recent may be proposed as duplicates
    duplicate_radius_m: float = 200.0  # "near the same place" when both cases have coordinates
    run_worker_in_process: bool | None = None  # default: on for SQLite, off for PostgreSQL
    base_url: str = "http://127.0.0.1:8000"

    @property
    def routes_in_background(self) -> bool:
        """New cases are routed, and the whole model runs after their intake commits."""
        return self.routing_async and self.routing_on_intake

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def resolved_secret_key(self) -> str:
        """The signing key: from the environment, else one generated once and kept in var_dir."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            try:  # created readable by its owner only, and by one process only: the first start wins
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process of this deployment is writing it
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_urlsafe(48))
        for _ in range(100):  # the writer may be between creating the file and writing the key
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.01)
        raise RuntimeError(f"{path} is empty: delete it, or set MINSHENG_SECRET_KEY")


@lru_cache
def get_settings() -> Settings:
    return Settings()
