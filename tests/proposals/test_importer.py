"""Bulk intake from xlsx and csv: everything or nothing, with a row-by-row error report."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select

from minsheng.proposals.importer import co_signers
from minsheng.proposals.models import Proposal, ProposalUnit
from tests.proposals.conftest import SESSION

HEADER = ["类别", "编号", "会议", "类型", "标题", "领衔人", "代表团/界别", "联名人", "背景", "诉求",
          "主办单位", "协办单位"]
BACKGROUND = "当湖街道多个老旧小区建于上世纪九十年代，六层无电梯，老年住户上下楼困难。"


def row(number: str, **over: str) -> list[str]:
    values = {"类别": "建议", "编号": number, "会议": SESSION, "类型": "城乡建设",
              "标题": f"关于第{number}号事项的建议", "领衔人": "沈建华", "代表团/界别": "当湖街道代表团",
              "联名人": "陆美芳（当湖街道代表团）、顾志强",
              "背景": BACKGROUND, "诉求": "简化审批流程，加大财政补助。", "主办单位": "", "协办单位": "", **over}
    return [values[h] for h in HEADER]


def as_csv(rows: list[list[str]], encoding: str = "utf-8-sig", header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def as_xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def damaged_xlsx(mangle: Callable[[str, bytes], bytes]) -> bytes:
    """A workbook whose zip members are passed through mangle(name, data)."""
    source = zipfile.ZipFile(io.BytesIO(as_xlsx([row("1")])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            target.writestr(name, mangle(name, source.read(name)))
    return buffer.getvalue()


def bad_deflate(data: bytes, member: str) -> bytes:
    """The zip with member's compressed stream starting with an invalid deflate block (zlib.error)."""
    offset = zipfile.ZipFile(io.BytesIO(data)).getinfo(member).header_offset
    name_length, extra_length = struct.unpack("<HH", data[offset + 26:offset + 30])
    start = offset + 30 + name_length + extra_length
    return data[:start] + b"\xff" + data[start + 1:]


def upload(client: Any, headers: dict[str, str], name: str, data: bytes) -> Any:
    return client.post("/api/v1/proposals/import", files={"file": (name, data)}, headers=headers)


def count(db) -> int:  # type: ignore[no-untyped-def]
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(Proposal)) or 0)


def test_a_good_csv_imports_every_row_and_assigns_when_a_host_unit_is_given(client, login, db) -> None:
    cppcc = row("3", 类别="提案", 会议="2026年市政协十一届五次会议", 领衔人="民建平湖市委会")
    assigned = row("2", 主办单位="市住房和城乡建设局", 协办单位="ZFJ；市民政局")
    data = as_csv([row("1"), assigned, [""] * len(HEADER), cppcc])
    resp = upload(client, login("citydisp"), "建议.csv", data)
    assert resp.status_code == 200, resp.text
    assert resp.json()["imported"] == 3
    with db.read_session() as s:
        second = s.scalars(select(Proposal).where(Proposal.number == "2")).one()
        units = sorted((u.unit_code, u.role) for u in s.scalars(select(ProposalUnit)))
        third = s.scalars(select(Proposal).where(Proposal.number == "3")).one()
    assert second.status == "assigned" and second.source == "import"
    assert units == [("MZJ", "assist"), ("ZFJ", "assist"), ("ZJJ", "host")]
    assert second.co_signers == [{"name": "陆美芳", "constituency": "当湖街道代表团"},
                                 {"name": "顾志强", "constituency": ""}]
    assert third.kind == "proposal" and third.status == "registered"


def test_one_bad_row_imports_nothing_and_every_problem_is_reported(client, login, db) -> None:
    rows = [
        row("1"),
        row("2", 类别="议案"),
        row("3", 标题="", 背景="太短"),
        row("1"),  # the same number as row 2 of the sheet
        row("5", 主办单位="市宇宙局"),
        row("6", 协办单位="ZFJ"),
    ]
    resp = upload(client, login("citydisp"), "bad.csv", as_csv(rows))
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "import_rejected" and "未导入任何记录" in body["message"]
    assert [(e["row"], e["column"]) for e in body["errors"]] == [
        (3, "类别"), (4, "标题"), (4, "背景"), (5, "编号"), (6, "主办单位"), (7, "主办单位")]
    problems = {(e["row"], e["column"]): e["problem"] for e in body["errors"]}
    assert problems[(4, "标题")] == "不能为空" and problems[(4, "背景")] == "至少 10 个字"
    assert problems[(5, "编号")] == "与第 2 行编号重复" and "市宇宙局" in problems[(6, "主办单位")]
    assert count(db) == 0


def test_every_problem_is_reported_in_chinese(client, login, db) -> None:
    many = "、".join(f"代表{i:02d}" for i in range(51))  # ProposalCreate.co_signers: at most 50
    resp = upload(client, login("citydisp"), "bad.csv", as_csv([row("1", 联名人=many, 标题="标" * 201)]))
    assert resp.status_code == 422
    problems = {(e["row"], e["column"]): e["problem"] for e in resp.json()["errors"]}
    assert problems == {(2, "联名人"): "最多 50 项", (2, "标题"): "不能超过 200 个字"}
    assert count(db) == 0


def test_a_number_already_in_the_system_is_an_error(client, login, db) -> None:
    city = login("citydisp")
    assert upload(client, city, "a.csv", as_csv([row("7")])).status_code == 200
    again = upload(client, city, "b.csv", as_csv([row("8"), row("7")]))
    assert again.status_code == 422
    assert again.json()["errors"] == [{"row": 3, "column": "编号", "problem": "系统中已有同一会议的同号建议提案"}]
    assert count(db) == 1


def test_xlsx_with_numeric_cells_and_gb18030_csv_from_excel(client, login, db) -> None:
    city = login("citydisp")
    xlsx_rows: list[list[Any]] = [row("1"), row("2")]
    xlsx_rows[1][1] = 2  # Excel keeps a typed number as a number
    assert upload(client, city, "建议.xlsx", as_xlsx(xlsx_rows)).json()["imported"] == 2
    assert upload(client, city, "建议.csv", as_csv([row("3")], encoding="gb18030")).json()["imported"] == 1
    with db.read_session() as s:
        assert sorted(s.scalars(select(Proposal.number))) == ["1", "2", "3"]


def test_missing_columns_and_unreadable_files(client, login, db) -> None:
    city = login("citydisp")
    resp = upload(client, city, "x.csv", as_csv([["建议", "1"]], header=["类别", "编号"]))
    assert resp.status_code == 422
    assert {e["column"] for e in resp.json()["errors"]} == {
        "会议", "类型", "标题", "领衔人", "代表团/界别", "背景", "诉求"}
    assert all(e["row"] == 1 and e["problem"] == "缺少这一列" for e in resp.json()["errors"])
    assert upload(client, city, "x.xlsx", b"PK\x03\x04 not really a zip").status_code == 422
    assert upload(client, city, "empty.csv", as_csv([])).json()["message"] == "文件中没有数据行"
    assert count(db) == 0


def test_a_csv_with_classic_mac_line_ends_is_read(client, login, db) -> None:
    data = as_csv([row("1"), row("2")]).replace(b"\r\n", b"\r")  # Excel's "CSV (Macintosh)": CR only
    assert b"\n" not in data
    resp = upload(client, login("citydisp"), "建议.csv", data)
    assert resp.status_code == 200, resp.text
    assert resp.json()["imported"] == 2 and count(db) == 2


def test_damaged_files_are_rejected_in_chinese_not_a_server_error(client, login, db) -> None:
    city = login("citydisp")
    sheet = "xl/worksheets/sheet1.xml"
    files = {
        # an unclosed quote runs the rest of the file into one cell, past csv's 128 KiB field limit
        "unclosed-quote.csv": as_csv([row("1")]) + ('2,"' + "长" * 140_000 + "\r\n").encode(),
        "truncated-sheet.xlsx": damaged_xlsx(lambda name, data: data[: len(data) // 2] if name == sheet else data),
        "bad-workbook.xlsx": damaged_xlsx(lambda name, data: b"<bad" if name == "xl/workbook.xml" else data),
        "no-sheets.xlsx": damaged_xlsx(lambda name, data: b"<a/>" if name == "xl/workbook.xml" else data),
        "bad-deflate.xlsx": bad_deflate(as_xlsx([row("1")]), sheet),
    }
    for name, data in files.items():
        resp = upload(client, city, name, data)
        assert resp.status_code == 422, (name, resp.status_code, resp.text[:200])
        body = resp.json()
        assert body["code"] == "import_rejected" and "无法读取" in body["message"], (name, body)
    assert "第 3 行" in upload(client, city, "a.csv", files["unclosed-quote.csv"]).json()["message"]
    assert count(db) == 0


def test_only_the_centre_imports(client, login) -> None:
    assert upload(client, login("zjj"), "a.csv", as_csv([row("1")])).status_code == 403


def test_co_signers_are_split_on_chinese_and_latin_separators() -> None:
    assert co_signers("张三（经济界）；李四, 王五(教育界)\n赵六") == [
        {"name": "张三", "constituency": "经济界"}, {"name": "李四", "constituency": ""},
        {"name": "王五", "constituency": "教育界"}, {"name": "赵六", "constituency": ""}]


def test_a_sheet_stated_far_larger_than_its_data_is_read_only_as_far_as_the_import_can_use() -> None:
    """One cell at XFD1048576 makes the sheet a million rows by 16,384 columns; the reader stops
    after a run of empty rows and at the columns the import reads."""
    from minsheng.proposals.importer import MAX_BLANK_RUN, MAX_COLUMNS, read_table

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(row("1"))
    sheet["XFD1048576"] = "远处的一格"
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table("far.xlsx", buffer.getvalue())
    assert len(table) == 2 + MAX_BLANK_RUN and max(len(r) for r in table) == MAX_COLUMNS
    assert table[1][:len(HEADER)] == [str(v) for v in row("1")][:len(HEADER)]


def test_reading_stops_one_row_past_the_limit() -> None:
    from minsheng.proposals.importer import MAX_ROWS, read_table, rows_of

    table = read_table("many.xlsx", as_xlsx([row(str(i)) for i in range(MAX_ROWS + 50)]))
    assert len(table) == MAX_ROWS + 2  # the header, the limit, one more
    assert "一次最多导入" in rows_of(table)[2][-1].problem


def test_a_line_break_pasted_from_word_is_a_line_break() -> None:
    from minsheng.proposals.importer import read_table

    table = read_table("word.csv", as_csv([row("1", **{"背景": "第一段\x0b第二段"})]))
    assert "第一段\n第二段" in table[1]
