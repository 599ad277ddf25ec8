"""Settings: the generated signing key (settings.Settings.resolved_secret_key)."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from minsheng.settings import Settings


def test_a_generated_key_is_private_and_the_same_for_every_process_that_starts_at_once(tmp_path: Path) -> None:
    def start(_: int) -> str:
        return Settings(secret_key="", var_dir=tmp_path).resolved_secret_key()

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(start, range(32)))
    path = tmp_path / "secret_key"
    assert len(keys) == 1 and len(keys.pop()) >= 60
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_key_from_the_environment_writes_no_file(tmp_path: Path) -> None:
    assert Settings(secret_key="from-env", var_dir=tmp_path).resolved_secret_key() == "from-env"
    assert not (tmp_path / "secret_key").exists()
