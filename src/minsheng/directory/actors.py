"""Who is acting: a signed-in user, an integration client, or the system (timers, demo)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    display_name: str
    role: str
    unit_code: str
    unit_path: str
    unit_level: str = "city"
    team_code: str | None = None
    api_key_id: int | None = None

    @property
    def label(self) -> str:
        return self.display_name or self.username

    @property
    def sees_everything(self) -> bool:
        """The city centre (the root of the command tree) sees every case."""
        return self.unit_path.count("/") == 2 and self.role not in ("team_member", "integration")


def system_actor(centre_code: str = "SZZX") -> Actor:
    return Actor(None, "system", "系统", "admin", centre_code, f"/{centre_code}/")
