from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from minsheng.routing.similarity import DuplicateRule, Request, distance_m, text_similarity


def test_similar_complaints_score_higher_than_unrelated_ones() -> None:
    a = "楼下烧烤店油烟直排，窗户都不敢开"
    assert text_similarity(a, "楼下那家烧烤店油烟太大，窗户都不敢开") > 0.5
    assert text_similarity(a, "路灯不亮已经三天了") == 0.0


@given(st.text(max_size=40), st.text(max_size=40))
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    s = text_similarity(a, b)
    assert 0.0 <= s <= 1.0 + 1e-9
    assert abs(s - text_similarity(b, a)) < 1e-9


def test_distance() -> None:
    assert abs(distance_m(30.7, 121.0, 30.701, 121.0) - 111.2) < 0.5
    assert distance_m(30.7, 121.0, 30.7, 121.0) == 0.0


def test_duplicate_rule() -> None:
    rule = DuplicateRule(radius_m=200, min_similarity=0.3)
    new = Request("芦湾村村口垃圾堆了好几天没人收", "JC04", village="V1")
    same = Request("芦湾村村口的垃圾好几天没人来收了", "JC04", village="V1")
    assert rule.score(new, same) is not None
    assert rule.score(new, Request(same.text, "CG07", village="V1")) is None  # other category
    assert rule.score(new, Request(same.text, "JC04", village="V2")) is None  # elsewhere
    assert rule.score(new, Request("村里路灯坏了", "JC04", village="V1")) is None  # other problem
    near = Request(same.text, "JC04", lat=30.7, lon=121.0)
    assert rule.score(Request(new.text, "JC04", lat=30.7005, lon=121.0), near) is not None
    assert rule.score(Request(new.text, "JC04", lat=30.71, lon=121.0), near) is None
