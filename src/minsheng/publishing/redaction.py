"""Redaction of personal data from text meant for the public (pure).

Removed: ID and bank-card numbers, mobile and landline phone numbers, house numbers (门牌号: 12号,
3幢, 2单元, 501室, 8弄, 3号楼 …), and people's names — the names we know (the citizen of a case,
the people recorded at a contact) and names introduced by a cue (市民张三丰反映, 王建国同志).
A name becomes its surname plus 某 (张某), the usual form in published Chinese case reports.

This proposes a draft; an editor still reads it before anything is published. Names nobody told us
and no cue announces (a bare 张三丰 in the middle of a sentence) are not detected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

ID_MARK = "[证件号已隐去]"
PHONE_MARK = "[电话已隐去]"
HOUSE_MARK = "×"

COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
                     "司徒", "夏侯", "令狐", "端木", "申屠", "轩辕", "独孤", "南宫", "西门")
# Common single-character surnames. Left out on purpose: characters that after 居民/村民 usually
# begin an ordinary word rather than a name (安置, 陆续, 白天, 文化, 房屋, 车辆, 于是, 向, 和 …).
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁沈"
    "姚卢姜崔钟谭汪范金石廖贾夏韦付邱侯邹熊孟秦薛阎雷段郝孔邵史毛万顾赖龚钱严覃洪武莫孙戴贺尹汤"
    "易黎常高乔庞樊殷施陶翟倪温季俞柳鲁葛伍韦申尤毕聂焦向柴岳齐祝甘闵储缪蒲詹屈诸莘瞿褚吉卞"
    "魏鲍裴邢牛章祁滕仲宗丛栾虞桂茅裘沃屠"
)
# Words that begin with a surname character but are not names after a cue (居民常年, 业主费用 …).
COMMON_WORDS = frozenset({
    "常年", "常常", "高层", "高楼", "高空", "高温", "高峰", "高架",
    "经常", "高度", "高兴", "方面", "方便", "时常", "费用", "施工", "田间", "田地", "连续",
    "共同", "关心", "原来", "严重", "张贴", "齐心", "金额", "石头", "林地", "史上", "万余", "万多", "万人",
    "余人", "余名", "余户", "余家", "邱陵", "雷雨", "易于", "柳树", "严格", "贾的", "于是", "范围", "洪水",
    "武装", "夏天", "夏季", "秦岭", "魏晋", "章程", "祝福", "甘心", "卞的", "汤圆", "毕业", "尤其", "岳父",
    "岳母", "宗教", "储存", "储蓄", "牛奶", "桂花", "屠宰", "沈阳", "周边", "周末", "周围", "周一", "黄昏",
    "程序", "程度", "管理", "钟头", "温度", "温暖", "孔洞", "龚家", "姚家", "倪家", "申请", "申报", "申诉",
    "诸多", "葛藤", "翟家", "鲁莽", "谢谢", "包括", "曾经", "许多", "许可", "叶子", "苏醒", "邓家", "冯家",
    "杨树", "朱红", "马路", "马上", "陈旧", "陈述", "刘海", "胡同", "郭家", "何时", "何况", "罗列", "梁上",
    "宋代", "唐代", "韩国", "彭家", "蔡家", "蒋家", "杜绝", "魏家", "吕家", "丁字", "姜汤", "崔家", "谭家",
    "汪洋", "廖家", "韦家", "付款", "付费", "付出", "侯车", "邹家", "熊孩", "孟家", "薛家", "阎家", "段落",
    "郝家", "邵家", "毛病", "毛坯", "顾及", "顾客", "赖账", "钱款", "钱财", "覃家", "莫名", "戴口", "贺卡",
    "尹家", "汤水", "黎明", "乔迁", "庞大", "樊家", "殷切", "陶瓷", "季节", "俞家", "伍家", "聂家", "焦虑",
    "焦急", "柴油", "齐全", "甘蔗", "闵行", "蒲扇", "詹家", "屈指", "瞿家", "褚家", "吉利", "鲍家", "裴家",
    "邢家", "章节", "祁家", "滕家", "仲裁", "丛林", "栾家", "虞家", "茅草", "裘家", "沃土", "王国", "李子",
    "张开", "黄色", "赵家", "吴语", "徐徐", "孙子", "孙女", "项目", "金融", "石材", "史料", "万一", "卢家",
    "任意", "任何", "戚家",
})
# After these a name may follow (市民张三丰反映); before these a name may stand (王建国同志).
CUES_BEFORE = ("市民", "居民", "村民", "业主", "群众", "住户", "租户", "商户", "店主", "联系人", "反映人",
               "来电人", "来信人", "投诉人", "举报人", "当事人", "申请人", "网友", "家属", "老人", "姓名",
               "诉求人", "户主", "承租人")
CUES_AFTER = ("同志", "先生", "女士", "师傅", "阿姨", "大爷", "大妈", "大伯", "奶奶", "爷爷", "老师", "老人")
# Characters that end a given name (verbs and particles that follow a name in reports).
STOP_CHARS = ("反映来电称说表示投诉举报的了在向对与和及等家们讲因要希也都就又是到去今昨前后某先女师阿大老"
              "同多次曾于将已经请拨打致通过带领联系居住位于户上下内外年月日")

_CJK_NAME_CHAR = rf"(?:(?![{STOP_CHARS}])[\u4e00-\u9fff])"
_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + "".join(sorted(SURNAMES)) + "])"
_NUM = "[0-9０-９]+(?:[-－][0-9０-９]+)*"
_CN_NUM = "[一二三四五六七八九十百零〇两]+"

LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{15,19}[Xx]?(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")
MASKED_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9][*＊xX]{4}[0-9]{4}(?![0-9])")
LANDLINE = re.compile(r"(?<![0-9])(?:\(0[0-9]{2,3}\)|0[0-9]{2,3})[- ]?[0-9]{7,8}(?:[-转][0-9]{1,5})?(?![0-9])")
LOCAL_NUMBER = re.compile(r"(电话|手机|座机|联系方式|号码|热线|Tel|TEL|tel)([:：是为]?\s*)[0-9]{7,8}(?![0-9])")
HOUSE = re.compile(
    rf"(?<![第月0-9０-９一二三四五六七八九十百零〇两])(?:{_NUM}|{_CN_NUM})(号楼|号院|号(?![线文令台风])|幢|栋|弄|单元)"
    rf"|(?<![第月0-9０-９]){_NUM}(室|楼)"
)
NAME_AFTER_CUE = re.compile(rf"({'|'.join(CUES_BEFORE)})([:：]?\s?)({_SURNAME})({_CJK_NAME_CHAR}{{1,2}})")
NAME_BEFORE_CUE = re.compile(rf"({_SURNAME})({_CJK_NAME_CHAR}{{1,2}})(?=(?:{'|'.join(CUES_AFTER)}))")


@dataclass
class Redaction:
    text: str
    found: list[tuple[str, str]] = field(default_factory=list)  # (kind, what was removed)


def surname_of(name: str) -> str:
    for compound in COMPOUND_SURNAMES:
        if name.startswith(compound) and len(name) > len(compound):
            return compound
    return name[:1]


def looks_like_name(token: str) -> bool:
    """2–4 Chinese characters beginning with a common surname (a compound one for 4)."""
    if not 2 <= len(token) <= 4:
        return False
    if any(token.startswith(c) for c in COMPOUND_SURNAMES):
        return True
    return token[0] in SURNAMES and len(token) <= 3


def pseudonym(name: str) -> str:
    return surname_of(name) + "某"


def _known_names(text: str, names: Iterable[str], found: list[tuple[str, str]]) -> str:
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        if "某" in name or name not in text:
            continue
        found.append(("name", name))
        text = text.replace(name, pseudonym(name))
    return text


def _cue_name(match: re.Match[str], found: list[tuple[str, str]], *, before: bool) -> str:
    if before:
        cue, gap, surname, given = match.group(1), match.group(2), match.group(3), match.group(4)
    else:
        surname, given = match.group(1), match.group(2)
    if (surname + given[:1]) in COMMON_WORDS or given.startswith("某"):
        return match.group(0)
    found.append(("name", surname + given))
    return (cue + gap if before else "") + surname + "某"


def redact(text: str, names: Iterable[str] = ()) -> Redaction:
    """`text` with personal data removed; `names` are people's names known to be in it."""
    found: list[tuple[str, str]] = []

    def sub(pattern: re.Pattern[str], kind: str, repl: str, value: str) -> str:
        def _one(m: re.Match[str]) -> str:
            found.append((kind, m.group(0)))
            return m.expand(repl)
        return pattern.sub(_one, value)

    text = sub(LONG_NUMBER, "id", ID_MARK, text)
    text = sub(MOBILE, "phone", PHONE_MARK, text)
    text = sub(MASKED_MOBILE, "phone", PHONE_MARK, text)
    text = sub(LANDLINE, "phone", PHONE_MARK, text)
    text = sub(LOCAL_NUMBER, "phone", r"\1\2" + PHONE_MARK, text)
    text = HOUSE.sub(lambda m: _house(m, found), text)
    text = _known_names(text, names, found)
    text = NAME_AFTER_CUE.sub(lambda m: _cue_name(m, found, before=True), text)
    text = NAME_BEFORE_CUE.sub(lambda m: _cue_name(m, found, before=False), text)
    return Redaction(text, found)


def _house(match: re.Match[str], found: list[tuple[str, str]]) -> str:
    found.append(("house_number", match.group(0)))
    return HOUSE_MARK + (match.group(1) or match.group(2))


def redact_text(text: str, names: Iterable[str] = ()) -> str:
    return redact(text, names).text
