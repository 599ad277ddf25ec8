"""Server-rendered pages of the proposals and publishing domains: one Jinja2 environment.

Templates live in web/templates/public (pages for everyone, no login, printable) and
web/templates/proposals (the staff pages).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates

from minsheng.clock import SHANGHAI, as_utc

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "web" / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC datetime shown in Asia/Shanghai."""
    return "" if value is None else as_utc(value).astimezone(SHANGHAI).strftime(fmt)


def cn_date(value: datetime | date | None) -> str:
    """2026年11月25日 (a datetime is taken in Asia/Shanghai)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = as_utc(value).astimezone(SHANGHAI).date()
    return f"{value.year}年{value.month}月{value.day}日"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def paragraphs(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


templates.env.filters.update(local=local, cn_date=cn_date, percent=percent, paragraphs=paragraphs)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    return templates.TemplateResponse(request, name, {"request": request, **context}, status_code=status_code)
