"""Pydantic's validation errors in Chinese: every error type reads as Chinese words, never as
Pydantic's English message."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from minsheng.validation_text import field_message, field_name, problem_text

LATIN_WORDS = re.compile(r"[A-Za-z]{4,}\s+[A-Za-z]{3,}")


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["web", "app", "12345"] = "web"
    content: str = Field("内容", min_length=2, max_length=10)
    count: int = Field(0, ge=0, le=5)
    ratio: float = 0.0
    flag: bool = False
    on: date | None = None
    at: datetime | None = None
    names: list[str] = Field(default_factory=list, max_length=2)
    code: str = Field("A1", pattern=r"^[A-Z]\d$")
    checked: str = "好"

    @field_validator("checked")
    @classmethod
    def _chinese(cls, value: str) -> str:
        if value == "坏":
            raise ValueError("不能填“坏”")
        if value == "bad":
            raise ValueError("bad value given")
        return value


def error(**data: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as info:
        Sample.model_validate(data)
    return dict(info.value.errors()[0])


@pytest.mark.parametrize(("data", "words"), [
    ({"content": ""}, "不能为空"),
    ({"content": "字"}, "至少 2 个字"),
    ({"content": "字" * 11}, "不能超过 10 个字"),
    ({"channel": "fax"}, "只能是 'web'、'app'、'12345' 之一"),
    ({"count": "abc"}, "应为整数"),
    ({"count": "²"}, "应为整数"),
    ({"count": 1.5}, "应为整数"),
    ({"count": 9}, "不能大于 5"),
    ({"count": -1}, "不能小于 0"),
    ({"ratio": "x"}, "应为数字"),
    ({"flag": "perhaps"}, "应为是或否（true/false）"),
    ({"on": "2026-02-30"}, "应为有效日期，格式 YYYY-MM-DD"),
    ({"at": "yesterday"}, "应为有效时间，格式 YYYY-MM-DDTHH:MM"),
    ({"names": ["a", "b", "c"]}, "最多 2 项"),
    ({"code": "a"}, "格式不正确"),
    ({"checked": "坏"}, "不能填“坏”"),  # our validators' own Chinese words
    ({"checked": "bad"}, "不合法"),  # never an English one
    ({"unknown": 1}, "不是可以填写的字段"),
])
def test_problem_text_is_chinese(data: dict[str, Any], words: str) -> None:
    err = error(**data)
    assert problem_text(err) == words
    assert not LATIN_WORDS.search(problem_text(err))


def test_field_names_and_messages() -> None:
    assert field_name(("body", "people", 0, "name")) == "people.0.name"
    assert field_name(("body",)) == "-"
    assert field_message({"type": "missing", "loc": ("body", "content"), "msg": "Field required"}) == (
        "字段 content 不能为空")
    assert field_message({"type": "missing", "loc": ("body",), "msg": "Field required"}) == "请求内容不能为空"
    assert field_message({"type": "json_invalid", "loc": ("body", 1), "msg": "JSON decode error"}) == (
        "请求内容不是合法的 JSON")
    assert problem_text({"type": "some_future_type", "loc": ("x",), "msg": "Something new"}) == "不合法"
