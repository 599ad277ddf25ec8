"""Redaction of personal data for public texts: examples and properties."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minsheng.publishing.redaction import ID_MARK, PHONE_MARK, pseudonym, redact, redact_text

EXAMPLES = [
    # (text, known names, expected)
    ("市民张三丰反映，东湖路88号3幢2单元501室楼下噪声。", (), "市民张某反映，东湖路×号×幢×单元×室楼下噪声。"),
    ("居民李四来电称家住新埭镇8弄12号。", (), "居民李某来电称家住新埭镇×弄×号。"),
    ("联系电话13812345678，座机0573-85012345。", (), f"联系电话{PHONE_MARK}，座机{PHONE_MARK}。"),
    ("手机 138-1234-5678 或 +86 139 1234 5678", (), f"手机 {PHONE_MARK} 或 {PHONE_MARK}"),
    ("已脱敏的138****5678也去掉", (), f"已脱敏的{PHONE_MARK}也去掉"),
    ("电话85012345，热线12345", (), f"电话{PHONE_MARK}，热线12345"),
    ("身份证号330482199001011234，旧证330482900101123", (), f"身份证号{ID_MARK}，旧证{ID_MARK}"),
    ("身份证33048219900101123X", (), f"身份证{ID_MARK}"),
    ("王建国同志带领工作人员到现场", (), "王某同志带领工作人员到现场"),
    ("社区书记钱伟和居民陈小明一起", ("钱伟",), "社区书记钱某和居民陈某一起"),
    ("欧阳娜娜女士反映", ("欧阳娜娜",), "欧阳某女士反映"),
    ("业主：周杰反映漏水", (), "业主：周某反映漏水"),
    ("姓名：赵敏", (), "姓名：赵某"),
    # left alone: dates, document numbers, metro lines, counts, honorifics without a given name
    ("3月12号开协调会，第12号提案，地铁1号线，1号文件", (), "3月12号开协调会，第12号提案，地铁1号线，1号文件"),
    ("第十二号建议，十二月三号", (), "第十二号建议，十二月三号"),
    ("市民王先生、村民王某、老人孙子、居民安置、村委会", (), "市民王先生、村民王某、老人孙子、居民安置、村委会"),
    ("涉及300户居民、6层住宅、三室一厅、12345热线", (), "涉及300户居民、6层住宅、三室一厅、12345热线"),
    ("居民常年反映，业主费用分摊，群众代表参加", (), "居民常年反映，业主费用分摊，群众代表参加"),
    ("2026年补助资金200万元，每台补助20万元", (), "2026年补助资金200万元，每台补助20万元"),
    ("当湖街道金桥小区二号楼、5栋、3号院", (), "当湖街道金桥小区×号楼、×栋、×号院"),
]


@pytest.mark.parametrize(("text", "names", "expected"), EXAMPLES)
def test_examples(text: str, names: tuple[str, ...], expected: str) -> None:
    assert redact_text(text, names) == expected


def test_the_report_says_what_was_removed() -> None:
    found = redact("市民张三丰（13812345678）住东湖路88号", ()).found
    assert sorted(kind for kind, _ in found) == ["house_number", "name", "phone"]


def test_pseudonyms_keep_compound_surnames() -> None:
    assert pseudonym("司马光") == "司马某" and pseudonym("张伟") == "张某" and pseudonym("马力") == "马某"


# --- properties ----------------------------------------------------------------------------------

FILLER = st.text(alphabet="道路小区反映问题情况处理已经完成街道社区加装电梯广场噪声，。、", min_size=0, max_size=30)
mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
landlines = st.from_regex(r"0[1-9][0-9]{1,2}-[2-8][0-9]{6,7}", fullmatch=True)
ids = st.from_regex(r"[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9])[0-9]{3}[0-9X]", fullmatch=True)
houses = st.tuples(st.integers(min_value=1, max_value=9999), st.sampled_from(["号", "幢", "栋", "弄", "单元", "室"]))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱胡郭何林罗郑梁谢宋唐许韩"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红"
names = st.tuples(st.sampled_from(SURNAMES), st.text(alphabet=GIVEN, min_size=1, max_size=2)).map("".join)


@given(FILLER, mobiles, FILLER, landlines, FILLER, ids, FILLER)
def test_no_phone_or_id_number_survives(a: str, mobile: str, b: str, landline: str, c: str, id_no: str, d: str) -> None:
    out = redact_text(f"{a}{mobile}{b}电话{landline}{c}身份证{id_no}{d}")
    assert mobile not in out and landline not in out and id_no not in out
    assert id_no[:6] + id_no[6:14] not in out  # not even the birth date part


@given(FILLER, houses, FILLER)
def test_no_house_number_survives(a: str, house: tuple[int, str], b: str) -> None:
    number, unit = house
    out = redact_text(f"{a}东湖路{number}{unit}{b}")
    assert f"{number}{unit}" not in out and f"×{unit}" in out


@given(FILLER, names, st.sampled_from(["市民", "居民", "村民", "业主", "投诉人", "联系人"]), FILLER)
def test_a_name_after_a_cue_or_known_becomes_surname_mou(a: str, name: str, cue: str, b: str) -> None:
    assume("某" not in name)
    cued = redact_text(f"{a}{cue}{name}反映{b}")
    assert name not in cued and f"{cue}{name[0]}某反映" in cued
    known = redact_text(f"{a}{name}{b}", [name])
    assert name not in known


@given(FILLER)
def test_text_without_personal_data_is_unchanged_and_redaction_is_idempotent(text: str) -> None:
    assert redact_text(text) == text
    once = redact_text(f"市民张三丰{text}13812345678东湖路8号")
    assert redact_text(once) == once


def test_looks_like_name() -> None:
    from minsheng.publishing.redaction import looks_like_name

    assert looks_like_name("李明") and looks_like_name("王建国") and looks_like_name("欧阳娜娜")
    assert not looks_like_name("科员李明") and not looks_like_name("会议室") and not looks_like_name("李")
