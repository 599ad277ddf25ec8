"""Schema migrations (Alembic), run programmatically: `minsheng db upgrade`.

Each domain adds its own revisions; independent domains may branch from the core revision,
so we always upgrade to all heads.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from minsheng.db import normalise_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, target: str = "heads") -> None:
    url = normalise_url(url)
    if url.startswith("sqlite") and (path := url.split("///", 1)[-1]) and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no ./var yet
    command.upgrade(alembic_config(url), target)


def downgrade(url: str, target: str) -> None:
    command.downgrade(alembic_config(url), target)


def revision(url: str, message: str, autogenerate: bool = True) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=autogenerate)
