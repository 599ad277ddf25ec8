from __future__ import annotations

import subprocess
import sys

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


def test_a_process_that_only_routes_loads_neither_scipy_nor_scikit_learn() -> None:
    """A web worker suggests with the shipped model and the national gazetteer; training's
    libraries (~20 MB and more a process) stay out of it."""
    script = (
        "import sys\n"
        "from minsheng.directory.config import demo_config_dir, load_city_config\n"
        "from minsheng.routing.router import Router\n"
        "router = Router.load(load_city_config(demo_config_dir()))\n"
        "batch = [('小区门口马路上的窨井盖不见了', '')] * 70 + [('乍浦镇饭店油烟直排', '')]\n"
        "assert router.suggest_many(batch, fast=True)[0].category == 'SZ02'\n"
        "assert router.suggest_many(batch[:3])[0].category == 'SZ02'\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'sklearn'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.strip() == "[]"
