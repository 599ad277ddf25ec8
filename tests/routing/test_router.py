from __future__ import annotations

import pytest

from minsheng.directory.config import CityConfig
from minsheng.routing.model import RouterModel
from minsheng.routing.router import Router


@pytest.fixture(scope="module")
def router(pinghu: CityConfig, shipped_model: RouterModel) -> Router:
    return Router(pinghu, shipped_model)


def test_town_handled_request_reaches_the_town_sub_centre(router: Router) -> None:
    s = router.suggest("楼上邻居每天半夜十二点还在装修打电钻，吵得睡不着", "钟埭街道")
    assert (s.category, s.town, s.unit) == ("JC02", "330482002", "ZX-ZD")
    assert 0 < s.confidence <= 1 and len(s.top) == 3


def test_department_request_reaches_the_department(router: Router) -> None:
    s = router.suggest("小区门口马路上的窨井盖不见了，晚上很危险", "")
    assert (s.category, s.unit) == ("SZ02", "ZJJ")


def test_suggestion_is_json_ready(router: Router) -> None:
    d = router.suggest("乍浦镇一家饭店后厨油烟直排，熏得窗户都不敢开").as_dict()
    assert d["category"] == "CG06" and d["unit"] == "ZFJ" and d["town"] == "330482101"
    assert d["top"][0]["category"] == "CG06" and all("unit" in t for t in d["top"])
