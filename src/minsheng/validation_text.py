"""Pydantic's validation errors in Chinese words (pure).

One place for every reader of a validation error: the API's 422, the console's messages and the
spreadsheet import's row report. Pydantic's own `msg` is English and never shown to users.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_LOCATIONS = ("body", "query", "path", "form", "header", "cookie")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# error type → its words; {name} is filled from the error's ctx
_TEXTS = {
    "string_too_short": "至少 {min_length} 个字",
    "string_too_long": "不能超过 {max_length} 个字",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "bytes_too_long": "不能超过 {max_length} 字节",
    "string_type": "应为文本",
    "string_pattern_mismatch": "格式不正确",
    "int_parsing": "应为整数", "int_type": "应为整数", "int_from_float": "应为整数",
    "float_parsing": "应为数字", "float_type": "应为数字", "decimal_parsing": "应为数字", "decimal_type": "应为数字",
    "finite_number": "应为有限的数字",
    "greater_than": "应大于 {gt}", "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}", "less_than_equal": "不能大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "bool_parsing": "应为是或否（true/false）", "bool_type": "应为是或否（true/false）",
    "time_parsing": "应为有效时间，格式 HH:MM", "time_type": "应为有效时间，格式 HH:MM",
    "timezone_aware": "应带时区", "timezone_naive": "不应带时区",
    "date_future": "应为今天以后的日期", "date_past": "应为今天以前的日期",
    "datetime_future": "应为将来的时间", "datetime_past": "应为过去的时间",
    "list_type": "应为列表", "dict_type": "应为对象", "model_type": "应为对象", "model_attributes_type": "应为对象",
    "extra_forbidden": "不是可以填写的字段",
    "json_invalid": "不是合法的 JSON", "json_type": "不是合法的 JSON",
}


def _choices(expected: Any) -> str:
    """Pydantic's "'a', 'b' or 'c'" as "'a'、'b'、'c'"."""
    return re.sub(r", | or ", "、", str(expected))


def problem_text(err: Mapping[str, Any]) -> str:
    """A pydantic error in Chinese words, said of the field: "不能为空", "不能超过 200 个字", …"""
    kind, ctx = str(err["type"]), err.get("ctx") or {}
    if kind == "missing" or err.get("input") == "":
        return "不能为空"
    if kind in _TEXTS:
        try:
            return _TEXTS[kind].format(**ctx)
        except (KeyError, IndexError):
            return "不合法"
    if kind in ("literal_error", "enum"):
        return f"只能是 {_choices(ctx.get('expected'))} 之一"
    if kind.startswith("datetime"):
        return "应为有效时间，格式 YYYY-MM-DDTHH:MM"
    if kind.startswith("date"):
        return "应为有效日期，格式 YYYY-MM-DD"
    if kind.startswith("url"):
        return "应为有效网址"
    if kind in ("value_error", "assertion_error") and _CJK.search(str(ctx.get("error", ""))):
        return str(ctx["error"])  # our own validators speak Chinese
    return "不合法"


def field_name(loc: Sequence[Any]) -> str:
    """The field an error is about, without where it came from: ("body", "people", 0) → people.0."""
    parts = [str(p) for p in loc if p not in _LOCATIONS]
    return ".".join(parts) or "-"


def field_message(err: Mapping[str, Any]) -> str:
    """One sentence for an error: "字段 content 不能为空"; a malformed body: "请求内容不是合法的 JSON"."""
    if err["type"] in ("json_invalid", "json_type") or field_name(err["loc"]) == "-":
        return f"请求内容{problem_text(err)}"
    return f"字段 {field_name(err['loc'])} {problem_text(err)}"
