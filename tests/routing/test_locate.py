from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minsheng.directory.config import CityConfig
from minsheng.routing.locate import Gazetteer
from minsheng.routing.places import Place, outside_surfaces, unpack_outside

DH, ZD, XC, DSG = "330482001", "330482002", "330482103", "330482108"


@pytest.mark.parametrize(
    ("text", "address", "town", "village"),
    [
        ("当湖街道某小区楼道堆满杂物", "", DH, None),
        ("楼下噪声", "钟埭街道", ZD, None),
        ("钟埭那边有人偷倒渣土", "", ZD, None),  # alias
        ("村口垃圾没人收", "沈家弄村", ZD, "330482002222"),  # village short name alone
        ("停水了", "浙江省嘉兴市平湖市新仓镇杉青港村3组", XC, "330482103222"),  # full address
        ("杉青港那边电压不稳", "", XC, "330482103222"),  # village stem
        ("建中村的垃圾收集点好几天没人收", "", DSG, None),  # former name
        ("路灯不亮", "", None, None),
        ("城区好几个公交站台旁边有摊贩", "城区", None, None),
    ],
)
def test_town_and_village(gazetteer: Gazetteer, text: str, address: str, town: str | None,
                          village: str | None) -> None:
    loc = gazetteer.locate(text, address)
    assert (loc.town, loc.village) == (town, village)
    assert not loc.outside_city


def test_address_outweighs_a_passing_mention_in_the_text(gazetteer: Gazetteer) -> None:
    loc = gazetteer.locate("我在当湖街道上班，家门口的路灯坏了", "新仓镇")
    assert loc.town == XC


def test_shipped_examples_towns(gazetteer: Gazetteer, shipped_a: list, shipped_b: list) -> None:
    wrong = [e.id for e in shipped_a + shipped_b if gazetteer.locate(e.text, e.address).town != e.town]
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "address"),
    [("嘉善县西塘镇一家工厂往河里排废水", ""), ("河里死鱼", "嘉善西塘"), ("金山卫镇路口红绿灯坏了", "")],
)
def test_places_outside_the_city_are_flagged(gazetteer: Gazetteer, text: str, address: str) -> None:
    loc = gazetteer.locate(text, address)
    assert loc.outside_city and loc.town is None and loc.outside_places


@pytest.mark.parametrize(
    "text",
    ["我在上海住院做了手术，回来报销", "公安部门来看看", "夏天等红灯太晒", "南湖苑门口停满了车"],
)
def test_ordinary_words_and_far_cities_are_not_outside(gazetteer: Gazetteer, text: str) -> None:
    assert not gazetteer.locate(text).outside_city


def _with_shared_village(cfg: CityConfig) -> Gazetteer:
    """Pinghu with a 红星村 in both 当湖 and 钟埭."""
    towns = []
    for town in cfg.divisions.towns:
        if town.code in (DH, ZD):
            extra = town.villages[0].model_copy(update={"code": town.code + "299", "name": "红星村村民委员会",
                                                        "short": "红星村"})
            town = town.model_copy(update={"villages": [*town.villages, extra]})
        towns.append(town)
    divisions = cfg.divisions.model_copy(update={"towns": towns})
    return Gazetteer.from_config(cfg.model_copy(update={"divisions": divisions}), national=False)


def test_a_name_in_two_towns_is_reported_as_ambiguous(pinghu: CityConfig) -> None:
    loc = _with_shared_village(pinghu).locate("红星村村口垃圾堆了一个礼拜")
    assert loc.town is None and loc.ambiguous
    assert set(loc.candidates) == {DH, ZD}


def test_a_name_in_two_towns_is_settled_by_the_other_clues(pinghu: CityConfig) -> None:
    loc = _with_shared_village(pinghu).locate("钟埭街道红星村村口垃圾堆了一个礼拜")
    assert (loc.town, loc.village, loc.ambiguous) == (ZD, ZD + "299", False)


def test_mask_hides_place_names(gazetteer: Gazetteer) -> None:
    assert gazetteer.mask("新仓镇芦湾村停水了") == "〇〇停水了"


def test_terms_are_in_city_place_names(gazetteer: Gazetteer) -> None:
    terms = gazetteer.terms()
    assert "杉青港村" in terms and "当湖街道" in terms and "西塘镇" not in terms


def _reference_scan(g: Gazetteer, text: str) -> list[tuple[str, int]]:
    """Leftmost-longest by brute force: at each position every length, longest first."""
    longest = max(len(s) for s in g._table)
    found, i = [], 0
    while i < len(text):
        for length in range(min(longest, len(text) - i), 0, -1):
            places = g._table.get(text[i : i + length])
            if isinstance(places, str):
                places = unpack_outside(places)
            if places and not g._estate(places, text, i + length):
                found.append((text[i : i + length], i))
                i += length
                break
        else:
            i += 1
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_scan_finds_what_trying_every_length_finds(gazetteer: Gazetteer, data: st.DataObject) -> None:
    surfaces = sorted(gazetteer._table)
    pieces = data.draw(st.lists(st.one_of(st.sampled_from(surfaces), st.sampled_from(
        ["", "路", "村", "的", "镇", "小区", "街道", "新", "平湖", "a1"])), max_size=8))
    text = "".join(pieces)
    assert [(m.surface, m.start) for m in gazetteer.scan(text)] == _reference_scan(gazetteer, text)


def test_places_outside_come_back_from_their_packed_form(pinghu: CityConfig, gazetteer: Gazetteer) -> None:
    packed = outside_surfaces(pinghu, gazetteer.inside)
    assert unpack_outside(packed["嘉善县"]) == (Place("outside", "330421", None, "嘉善县", "name"),)
    assert unpack_outside(packed["嘉善"]) == (Place("outside", "330421", None, "嘉善县", "stem"),)
    chaoyang = unpack_outside(packed["朝阳区"])  # Beijing's and Changchun's
    assert len(chaoyang) == 2 and {p.code[:2] for p in chaoyang} == {"11", "22"}
    assert all(p.level == "outside" and p.town is None and p.name == "朝阳区" for p in chaoyang)
    match = next(m for m in gazetteer.scan("我在朝阳区上班") if m.surface == "朝阳区")
    assert match.places == chaoyang
