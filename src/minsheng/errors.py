"""Domain errors: a machine code, a Chinese message for people, an HTTP status for the API."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        self.message = message or type(self).message
        self.extra = extra
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    message = "记录不存在或无权查看"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"
    message = "无权执行该操作"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    message = "当前状态不允许该操作"


class InvalidField(DomainError):
    status_code = 422
    code = "invalid_field"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


class InvalidValue(DomainError):
    """A value the database cannot hold (an id past its integer range, a year it cannot store)."""

    status_code = 422
    code = "invalid_value"
    message = "字段取值超出范围或格式不合法"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"
    message = "请先登录"


class CrossedTransactions(DomainError):
    """PostgreSQL aborted this transaction to settle a deadlock or a serialisation failure."""

    status_code = 409
    code = "retry"
    message = "与其他操作同时进行，本次未生效，请重试"


def is_crossed(exc: BaseException) -> bool:
    """A deadlock (40P01) or serialisation failure (40001): nothing was written; a retry may succeed."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in ("40P01", "40001")
