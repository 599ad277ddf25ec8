"""Divisions, handling units, categories, SLA tracks, teams, users, API keys, audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minsheng.db import Base, JSONType, UTCDateTime


class Division(Base):
    """An administrative division: city (county level), town/street, village/community."""

    __tablename__ = "divisions"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    short: Mapped[str | None] = mapped_column(String(50))
    level: Mapped[str] = mapped_column(String(10))  # province | city | county | town | village
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
    aliases: Mapped[list[str]] = mapped_column(JSONType, default=list)
    former_names: Mapped[list[str]] = mapped_column(JSONType, default=list)
    in_city: Mapped[bool] = mapped_column(Boolean, default=False)  # part of the configured city


class Unit(Base):
    """A handling unit. Command tree: city centre ← departments, town centres ← villages."""

    __tablename__ = "units"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))  # city | town | village
    kind: Mapped[str] = mapped_column(String(20))  # centre | department | utility | town_centre | village
    duties: Mapped[str] = mapped_column(Text, default="")
    town_code: Mapped[str | None] = mapped_column(String(12))
    division_code: Mapped[str | None] = mapped_column(String(12))
    parent_code: Mapped[str | None] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(200), index=True)  # "/SZZX/ZX-DH/330482001001/"
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Category(Base):
    __tablename__ = "categories"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    group_code: Mapped[str] = mapped_column(String(32))
    group_name: Mapped[str] = mapped_column(String(100))
    dept: Mapped[str] = mapped_column(String(32))  # unit code or "town_centre"
    track: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CityConfigRecord(Base):
    """The loaded configuration documents (SLA calendars and tracks, city info), by name."""

    __tablename__ = "city_config"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    checksum: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Team(Base):
    __tablename__ = "teams"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    town_code: Mapped[str] = mapped_column(String(12))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    base_lng: Mapped[float] = mapped_column(Float)
    base_lat: Mapped[float] = mapped_column(Float)
    vehicles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    equipment: Mapped[list[str]] = mapped_column(JSONType, default=list)
    members: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="on_duty")  # on_duty|en_route|on_site|off_duty
    current_case_id: Mapped[int | None] = mapped_column(Integer)
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    team_code: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiKey(Base):
    """A token for an integration client (12345, 110, Open311 apps). Only its hash is stored."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    system: Mapped[str] = mapped_column(String(16))  # 12345 | 110 | open311
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditLog(Base):
    """Who saw unmasked personal data, when, and of which case."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # view_contact | export | ...
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    fields: Mapped[list[str]] = mapped_column(JSONType, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    client: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("ix_audit_log_user_at", "user_id", "at"),)


class TeamShift(Base):
    """A duty roster entry: who is on shift with which team, when."""

    __tablename__ = "team_shifts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_code: Mapped[str] = mapped_column(ForeignKey("teams.code"), index=True)
    member_name: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    role: Mapped[str] = mapped_column(String(16), default="member")  # leader | member | driver

    __table_args__ = (UniqueConstraint("team_code", "member_name", "starts_at"),)


class RevokedToken(Base):
    """A sign-in token ended before its time (signing out): refused until it would have expired
    anyway, then deleted. Keyed by a SHA-256 of the token, never the token itself."""

    __tablename__ = "revoked_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
