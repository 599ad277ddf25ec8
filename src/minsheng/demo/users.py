"""One demo user per role, with passwords generated on the first run and kept in var/demo-users.txt."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.directory.models import Unit, User
from minsheng.directory.security import do_create_user, hash_password
from minsheng.web.auth import landing_for

ROLE_NAMES = {
    "call_taker": "话务员", "city_dispatcher": "市中心派单员", "town_dispatcher": "镇街道分中心派单员",
    "handler": "承办人", "team_member": "一键办队员", "supervisor": "督办员", "leader": "领导（只读）",
    "admin": "系统管理员", "editor": "编辑",
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    unit: str
    team: str | None = None


DEMO_USERS = (
    DemoUser("huawu", "话务员 王晓燕", "call_taker", "SZZX"),
    DemoUser("paidan", "市中心派单员 李建国", "city_dispatcher", "SZZX"),
    DemoUser("danghu", "当湖街道分中心 陈敏", "town_dispatcher", "ZX-DH"),
    DemoUser("zhapu", "乍浦镇分中心 周强", "town_dispatcher", "ZX-ZP"),
    DemoUser("zhujian", "住建局承办人 张伟", "handler", "ZJJ"),
    DemoUser("zhifa", "综合执法局承办人 刘洋", "handler", "ZFJ"),
    DemoUser("shuidongdai", "水洞埭社区 沈丽", "handler", "330482001001"),
    DemoUser("duiyuan", "当湖一队队员 徐杰", "team_member", "ZX-DH", "T-DH-1"),
    DemoUser("duban", "督办员 赵静", "supervisor", "SZZX"),
    DemoUser("lingdao", "领导 孙海", "leader", "SZZX"),
    # proposals: the host unit's leader approves its replies; the editor writes the public pages
    DemoUser("zhujian_ld", "住建局领导 钱明", "leader", "ZJJ"),
    DemoUser("bianji", "编辑 吴倩", "editor", "SZZX"),
    DemoUser("admin", "系统管理员", "admin", "SZZX"),
)


def read_passwords(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and not line.startswith("#"):
            found[parts[0]] = parts[1]
    return found


def ensure_demo_users(session: Session, path: Path, *, now: datetime) -> list[tuple[DemoUser, str]]:
    """Create the demo users that are missing (skipping those whose unit this city lacks); a user
    without a kept password gets a new one. Writes the passwords file (mode 600)."""
    kept = read_passwords(path)
    result = []
    for demo in DEMO_USERS:
        if session.get(Unit, demo.unit) is None:
            continue
        password = kept.get(demo.username) or secrets.token_urlsafe(9)
        user = session.scalars(select(User).where(User.username == demo.username)).first()
        if user is None:
            do_create_user(session, demo.username, password, demo.role, demo.unit, now=now,
                           display_name=demo.display_name, team_code=demo.team)
        elif demo.username not in kept:
            user.password_hash = hash_password(password)
        result.append((demo, password))
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# minsheng 演示用户（用户名\t密码\t角色\t单位）；本文件不入库，请勿提交"]
    lines += [f"{d.username}\t{pw}\t{d.role}\t{d.unit}" for d, pw in result]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return result


def users_table(users: list[tuple[DemoUser, str]], base_url: str) -> str:
    """A plain table for the terminal (full-width characters count as two columns)."""
    rows = [("用户名", "密码", "角色", "姓名 / 单位", "登录后首页")]
    rows += [(d.username, pw, ROLE_NAMES.get(d.role, d.role), d.display_name, base_url + landing_for(d.role))
             for d, pw in users]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        out.append("  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
