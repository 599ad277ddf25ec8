from __future__ import annotations

from pathlib import Path

import pytest

from minsheng.directory.config import CityConfig
from minsheng.routing.datasets import DatasetError, lexicon, read_csv, read_examples, read_jsonl, taxonomy_priors


def test_reads_the_shipped_shape(shipped_a: list) -> None:
    e = shipped_a[1]
    assert (e.id, e.label, e.town, e.department) == ("TA-0002", "ZF01", "330482003", "ZJJ")
    assert e.has_routing


def test_reads_csv_text_label(tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text("id,Text,label\n1,\"路灯不亮，好几天了\",市政\n2,停水,水务\n", encoding="utf-8-sig")
    rows = read_csv(path)
    assert [(r.text, r.label) for r in rows] == [("路灯不亮，好几天了", "市政"), ("停水", "水务")]
    assert not rows[0].has_routing


@pytest.mark.parametrize(
    ("name", "content", "reader"),
    [
        ("bad.csv", "content,category\nx,y\n", read_csv),
        ("empty.csv", "text,label\n,y\n", read_csv),
        ("bad.jsonl", '{"text": "x"}\n', read_jsonl),
        ("broken.jsonl", "not json\n", read_jsonl),
    ],
)
def test_malformed_files_say_where(tmp_path: Path, name: str, content: str, reader) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=name):
        reader(path)


@pytest.mark.parametrize(
    ("name", "content", "reader", "words"),
    [
        ("gbk.csv", "text,label\n路灯坏了,CG01\n".encode("gb18030"), read_csv, ":2: 不是 UTF-8 编码"),
        ("gbk.jsonl", '{"text": "路灯坏了", "category": "CG01"}\n'.encode("gb18030"), read_jsonl, ":1: 不是 UTF-8"),
        ("quote.csv", ('text,label\n路灯坏了,CG01\n"' + "x" * 140_000 + ",A\nb,B\n").encode(), read_csv,
         ":3: CSV 格式错误"),
        ("null.jsonl", b'{"text": "ok", "category": "A"}\n{"text": null, "category": "B"}\n', read_jsonl,
         ":2: text 必须是非空文本（现为 null）"),
        ("nocat.jsonl", b'{"text": "ok", "category": null}\n', read_jsonl, ":1: category 必须是非空文本"),
    ],
)
def test_unreadable_files_and_null_fields_say_where_and_what(  # type: ignore[no-untyped-def]
        tmp_path: Path, name: str, content: bytes, reader, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DatasetError, match=f"{name}{words}"):
        reader(path)


def test_formats_cannot_be_mixed(tmp_path: Path) -> None:
    with pytest.raises(DatasetError):
        read_examples([tmp_path / "a.csv", tmp_path / "b.jsonl"])


def test_taxonomy_words(pinghu: CityConfig) -> None:
    priors = taxonomy_priors(pinghu)
    assert ("窨井盖缺失破损", "SZ02") in priors and ("道路窨井盖丢失", "SZ02") in priors
    words = lexicon(pinghu, ["杉青港村"])
    assert "杉青港村" in words and "占道经营" in words


def test_a_description_phrase_another_category_also_holds_is_not_taught(pinghu: CityConfig) -> None:
    """占道经营's description lists 人行道 as where stalls stand; 市政道路桥梁破损's says
    人行道板松动. Taught as 占道经营's, the bare 人行道 pulled pavement repairs there."""
    priors = taxonomy_priors(pinghu)
    assert ("人行道", "CG01") not in priors and ("人行道板松动", "SZ03") in priors
    assert ("广场上摆摊", "CG01") in priors  # what is its own stays
    taught = {phrase for phrase, _ in priors}
    assert "乱收费" not in taught  # in three descriptions (出租车, 价格, 通信): no one's alone
