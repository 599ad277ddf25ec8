"""Passwords (argon2), signed bearer/session tokens, integration API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from minsheng.attempts import TooManyAttempts, key_of, over_limit, record_failure
from minsheng.cases.permissions import ROLES
from minsheng.clock import utcnow
from minsheng.db import Database
from minsheng.directory.actors import Actor
from minsheng.directory.models import ApiKey, RevokedToken, Unit, User
from minsheng.errors import InvalidField, Unauthorized
from minsheng.settings import get_settings

_hasher = PasswordHasher()
API_KEY_PREFIX = "msk_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class TokenSigner:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="minsheng-token")
        self.ttl = ttl_seconds

    def issue(self, user_id: int) -> str:
        return self._serializer.dumps({"uid": user_id})

    def read(self, token: str) -> int:
        return self.read_with_time(token)[0]

    def read_with_time(self, token: str) -> tuple[int, datetime]:
        """The token's user id and when it was issued (UTC, to the second)."""
        try:
            data, issued = self._serializer.loads(token, max_age=self.ttl, return_timestamp=True)
        except SignatureExpired:
            raise Unauthorized("登录已过期，请重新登录") from None
        except BadSignature:
            raise Unauthorized("令牌无效") from None
        return int(data["uid"]), issued


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_revoked(session: Session, token: str) -> bool:
    return session.get(RevokedToken, token_hash(token)) is not None


def do_revoke_token(session: Session, signer: TokenSigner, token: str, *, now: datetime) -> None:
    """End a sign-in token (signing out): refused from now on by every process (each process's
    few-second actor cache aside); expired rows are swept as new ones come."""
    _, issued = signer.read_with_time(token)
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    if not is_revoked(session, token):
        session.add(RevokedToken(token_hash=token_hash(token),
                                 expires_at=issued + timedelta(seconds=signer.ttl + 1)))


def actor_for(session: Session, user: User) -> Actor:
    unit = session.get(Unit, user.unit_code)
    if unit is None:
        raise Unauthorized("用户所属单位不存在")
    return Actor(user.id, user.username, user.display_name, user.role, unit.code, unit.path, unit.level,
                 user.team_code)


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active or not verify_password(user.password_hash, password):
        raise Unauthorized("用户名或密码错误")
    return user


def sign_out(db: Database, token: str) -> None:
    """End a console or API sign-in token; one already invalid (expired, forged) needs nothing."""
    from minsheng.api.deps import forget_credential, signer

    try:
        with db.session() as session:
            do_revoke_token(session, signer(), token, now=utcnow())
    except Unauthorized:
        pass
    forget_credential(token)


def sign_in(db: Database, username: str, password: str, client: str, *, now: datetime) -> tuple[int, str]:
    """(user id, role) for the right password; wrong ones are counted (minsheng.attempts) and,
    past the limits in settings, every attempt is refused with TooManyAttempts until the window
    has moved on, right password or not, so guessing cannot go on at argon2's pace."""
    settings, window = get_settings(), get_settings().login_window_seconds
    name = username.casefold()
    keys = [("login-ua", key_of("login-ua", f"{name}|{client}")), ("login-ip", key_of("login-ip", client)),
            ("login-u", key_of("login-u", name))]
    limits = (settings.login_max_failures_per_user, settings.login_max_failures_per_address,
              settings.login_max_failures_per_account)
    with db.session() as session:
        if over_limit(session, [(scope, key, most, window) for (scope, key), most in zip(keys, limits, strict=True)],
                      now):
            raise TooManyAttempts(f"登录失败次数过多，请 {window // 60} 分钟后再试")
        try:
            user = authenticate(session, username, password)
        except Unauthorized:
            record_failure(session, keys, now, window)
            session.commit()
            raise
        return user.id, user.role


def do_create_user(session: Session, username: str, password: str, role: str, unit_code: str, *,
                   now: datetime, display_name: str = "", team_code: str | None = None,
                   phone: str | None = None) -> User:
    if role not in ROLES:
        raise InvalidField("role", f"未知角色 {role}；可选：{', '.join(ROLES)}")
    if len(password) < 8:
        raise InvalidField("password", "密码至少 8 位")
    if session.get(Unit, unit_code) is None:
        raise InvalidField("unit", f"未知单位代码 {unit_code}")
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise InvalidField("username", f"用户名 {username} 已存在")
    user = User(username=username, password_hash=hash_password(password), role=role, unit_code=unit_code,
                display_name=display_name or username, team_code=team_code, phone=phone, created_at=now)
    session.add(user)
    session.flush()
    return user


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def do_create_api_key(session: Session, name: str, system: str, *, now: datetime,
                      user_id: int | None = None) -> tuple[ApiKey, str]:
    """A new key for an integration client; the plain key is returned once and never stored."""
    if system not in ("12345", "110", "open311"):
        raise InvalidField("system", "system 只能是 12345、110 或 open311")
    if session.scalars(select(ApiKey).where(ApiKey.name == name)).first() is not None:
        raise InvalidField("name", f"名称 {name} 已存在")
    plain = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, system=system, prefix=plain[:12], key_hash=_key_hash(plain), user_id=user_id,
                 created_at=now)
    session.add(key)
    session.flush()
    return key, plain


def find_api_key(session: Session, plain: str) -> ApiKey | None:
    if not plain.startswith(API_KEY_PREFIX):
        return None
    for key in session.scalars(select(ApiKey).where(ApiKey.prefix == plain[:12], ApiKey.active.is_(True))):
        if hmac.compare_digest(key.key_hash, _key_hash(plain)):
            return key
    return None


def actor_for_api_key(session: Session, key: ApiKey) -> Actor:
    if key.user_id is not None:
        user = session.get(User, key.user_id)
        if user is not None and user.active:
            return actor_for(session, user)
    centre = session.scalars(select(Unit).where(Unit.kind == "centre")).first()
    if centre is None:
        raise Unauthorized("尚未加载城市配置")
    return Actor(None, f"api:{key.name}", key.name, "integration", centre.code, centre.path, "city",
                 api_key_id=key.id)
