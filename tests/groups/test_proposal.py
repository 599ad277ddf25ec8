"""The one-click proposal (pure): lead and co-units from the category, the place and the duties."""

from __future__ import annotations

from functools import cache

import pytest

from minsheng.cases.models import Case
from minsheng.db import get_db
from minsheng.directory.config import demo_config_dir, load_city_config
from minsheng.groups.proposal import CaseFacts, UnitInfo, duty_matches, phrase_terms, propose
from tests.groups.helpers import HARD_CASE, ok

DH, DH_VILLAGE = "330482001", "330482001001"


@cache
def pinghu_units() -> list[UnitInfo]:
    cfg = load_city_config(demo_config_dir())
    units = [UnitInfo(d.code, d.name, d.kind, d.duties, d.town) for d in cfg.departments.departments]
    for town in cfg.divisions.towns:
        units += [UnitInfo(v.code, v.name, "village", f"{v.short}网格事项", town.code, v.code) for v in town.villages]
    return units


def codes(proposal) -> tuple[str | None, list[str]]:
    return (proposal.lead.unit if proposal.lead else None), [m.unit for m in proposal.members]


def test_phrase_terms_join_single_characters_and_drop_generic_words() -> None:
    assert phrase_terms("占道经营") == ("占道",)  # 经营 alone says little
    assert phrase_terms("夜间施工噪声") == ("夜间", "施工", "噪声")
    assert phrase_terms("物业服务纠纷") == ("物业",)
    assert phrase_terms("收费") == ()


def test_duty_phrases_are_split_as_jieba_splits_them() -> None:
    import jieba

    from minsheng.groups.proposal import _segmenter, duty_phrases

    phrases = [p for u in pinghu_units() for p in duty_phrases(u.duties)]
    assert len(phrases) > 100
    assert [_segmenter().tokens(p) for p in phrases] == [jieba.lcut(p) for p in phrases]


def test_duties_match_what_citizens_say() -> None:
    found = duty_matches("工地晚上施工噪声很大".replace("晚上", "夜间"), "渣土、夜间施工噪声、公厕")
    assert found == [("夜间施工噪声", ("夜间", "施工", "噪声"), 1.0)]
    assert duty_matches("小区物业不作为", "工业企业噪声") == []


@pytest.mark.parametrize(("content", "category", "lead", "co"), [
    # category first: the category's department leads, the duties bring in the others
    ("小区楼下饭店油烟直排、店外占道经营，物业多次协调无果", ("ZF01", "物业服务纠纷", "ZJJ"), "ZJJ", ["ZFJ"]),
    # no category: the best duty match leads
    ("小区地下车库电动车充电，消防通道被堵，物业不管", None, "XFJY", ["ZJJ"]),
    ("河道里有工厂偷排废水，河水发黑有臭味", None, "STHJ", ["SLJ"]),
    ("工地晚上施工噪音很大，渣土车到处抛洒", None, "ZFJ", []),
])
def test_proposals_for_hard_cases(content, category, lead, co) -> None:
    code, name, dept = category or (None, None, None)
    facts = CaseFacts(content, "当湖街道水洞埭社区", code, name, dept, DH, DH_VILLAGE)
    got_lead, members = codes(propose(facts, pinghu_units()))
    assert got_lead == lead
    departments = [m for m in members if m not in ("ZX-DH", DH_VILLAGE)]
    assert departments == co
    assert members[-2:] == ["ZX-DH", DH_VILLAGE]  # the place comes after the departments that match


def test_every_proposed_unit_comes_with_a_chinese_reason() -> None:
    facts = CaseFacts("小区楼下饭店油烟直排、店外占道经营", "", "ZF01", "物业服务纠纷", "ZJJ", DH, DH_VILLAGE,
                      current_unit=DH_VILLAGE)
    proposal = propose(facts, pinghu_units()).as_dict()
    assert proposal["lead"]["reason"] == "诉求类别「物业服务纠纷」的承办单位"
    reasons = {m["unit"]: m["reason"] for m in proposal["members"]}
    assert reasons["ZFJ"] == "职责含「占道经营」、「油烟扰民」，与诉求内容相符（占道、油烟）"
    assert reasons["ZX-DH"] == "属地街道（镇）分中心：负责现场核查和属地协调"
    assert reasons[DH_VILLAGE] == "属地村（社区）：熟悉现场和当事人情况；原承办单位：已掌握前期办理情况"


def test_a_town_centre_category_makes_the_place_lead() -> None:
    facts = CaseFacts("楼上邻居半夜吵闹，多次沟通无果", "钟埭街道", "X", "邻里纠纷", "town_centre", "330482002")
    lead, members = codes(propose(facts, pinghu_units()))
    assert lead == "ZX-ZD" and "ZX-DH" not in members and "ZX-ZD" not in members


def test_only_the_place_and_real_handlers_are_proposed() -> None:
    facts = CaseFacts("职责不清事项的协调，一键组群", "", town_code="330482002")
    lead, members = codes(propose(facts, pinghu_units()))
    assert "SZZX" not in [lead, *members]  # the centre supervises; it is never a member
    assert not any(m.startswith("ZX-") and m != "ZX-ZD" for m in members)
    assert lead == "ZX-ZD"  # nothing matched: the town sub-centre of the place leads


def test_without_place_or_match_there_is_no_lead_to_propose() -> None:
    proposal = propose(CaseFacts("你好"), pinghu_units())
    assert proposal.lead is None and proposal.members == ()


def test_members_are_capped() -> None:
    text = "停电停水燃气泄漏，宽带故障，路灯不亮，河道漂浮物，油烟扰民，拖欠工资"
    proposal = propose(CaseFacts(text, town_code=DH), pinghu_units(), max_members=3)
    assert len(proposal.members) == 3


def test_without_a_category_the_routing_suggestions_count() -> None:
    text = "小区门口有人摆摊卖菜，还把垃圾扔在路边"
    plain = propose(CaseFacts(text, town_code=DH), pinghu_units())
    assert plain.lead is not None and plain.lead.unit == "ZFJ"  # 摊贩 in its duties
    suggested = (("SCJGJ", "食品安全", 0.7), ("ZFJ", "占道经营与流动摊贩", 0.25), ("GAJ", "治安", 0.05))
    proposal = propose(CaseFacts(text, town_code=DH, suggested=suggested), pinghu_units())
    assert proposal.lead is not None and proposal.lead.unit == "SCJGJ"
    assert proposal.lead.reasons == ["智能分类建议「食品安全」（置信度70%）"]
    zfj = next(m for m in proposal.members if m.unit == "ZFJ")
    assert zfj.reasons[0] == "智能分类建议「占道经营与流动摊贩」（置信度25%）"
    assert "GAJ" not in [m.unit for m in proposal.members]  # below the confidence worth mentioning
    # a confirmed category wins over the suggestions
    confirmed = propose(CaseFacts(text, "", "CG01", "占道经营与流动摊贩", "ZFJ", DH, suggested=suggested),
                        pinghu_units())
    assert confirmed.lead is not None and confirmed.lead.unit == "ZFJ"
    assert "SCJGJ" not in [m.unit for m in confirmed.members]


def test_the_case_suggestions_feed_the_proposal(client, login) -> None:
    resp = client.post("/api/v1/cases", json={**HARD_CASE, "category": None}, headers=login("calltaker"))
    cid = resp.json()["id"]
    # what routing stores on a case at intake (Case.suggestions), on a case whose category is not known
    # (routing fills the category at intake when its model has one; here it is cleared again)
    with get_db().session() as s:
        case = s.get(Case, cid)
        assert case is not None
        case.category_code = None
        case.suggestions = {"category": "CG06", "confidence": 0.55, "unit": "ZFJ",
                            "top": [{"category": "CG06", "confidence": 0.55, "unit": "ZFJ"},
                                    {"category": "ZF01", "confidence": 0.3, "unit": "ZJJ"}]}
    proposal = ok(client.get(f"/api/v1/cases/{cid}/group/proposal", headers=login("citydisp")))
    assert proposal["lead"]["unit"] == "ZFJ"
    assert "智能分类建议「餐饮油烟扰民」（置信度55%）" in proposal["lead"]["reason"]
    assert "智能分类建议「物业服务纠纷」（置信度30%）" in {m["unit"]: m["reason"] for m in proposal["members"]}["ZJJ"]
