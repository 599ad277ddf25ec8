"""Bulk intake from a spreadsheet (xlsx or csv): every row is checked first and a row-by-row error
report (row number, column, problem) comes back; if any row is bad nothing is imported.

The first row holds the column names (Chinese, as the people's congress and CPPCC offices write
them; a few synonyms are accepted). Optional columns 主办单位 / 协办单位 (unit code or full name,
协办 separated by 、or ;) assign (交办) each row right away.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.clock import utcnow
from minsheng.directory.actors import Actor
from minsheng.directory.models import Unit
from minsheng.errors import DomainError, Forbidden
from minsheng.proposals.models import Proposal
from minsheng.proposals.permissions import may_register
from minsheng.proposals.schemas import AssignBody, ImportResult, ImportRowError, ProposalCreate
from minsheng.proposals.service import do_assign, do_create_proposal
from minsheng.validation_text import problem_text

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 64  # the columns read from a sheet (the import knows about twenty)
MAX_BLANK_RUN = 1000  # empty rows after which a sheet is taken to have ended
# field → accepted column names (the first is the one we write in templates and reports)
COLUMNS: dict[str, tuple[str, ...]] = {
    "kind": ("类别", "建议/提案"),
    "number": ("编号", "案号"),
    "session_name": ("会议", "届次", "届次会议"),
    "category": ("类型", "分类"),
    "title": ("标题", "案由", "题目"),
    "lead_name": ("领衔人", "领衔代表", "提案人", "反映人"),
    "lead_constituency": ("代表团/界别", "代表团", "界别"),
    "co_signers": ("联名人", "附议人", "联名代表", "联名委员"),
    "background": ("背景", "案情", "问题与背景"),
    "demands": ("诉求", "建议内容", "具体建议", "办法与建议"),
    "host_unit": ("主办单位",),
    "assist_units": ("协办单位",),
}
REQUIRED = ("kind", "number", "session_name", "category", "title", "lead_name", "lead_constituency",
            "background", "demands")
KIND_VALUES = {"建议": "suggestion", "代表建议": "suggestion", "人大代表建议": "suggestion", "suggestion": "suggestion",
               "提案": "proposal", "委员提案": "proposal", "政协提案": "proposal", "proposal": "proposal"}
_SPLIT = re.compile(r"[、;；,，\n]+")
_CO_SIGNER = re.compile(r"^\s*([^（(]+?)\s*(?:[（(]([^）)]*)[）)])?\s*$")
# what openpyxl raises, opening or reading a sheet, for a file that is not a whole, well-formed xlsx
# (SyntaxError covers xml.etree's ParseError for truncated or malformed XML)
_XLSX_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, KeyError, IndexError, ValueError,
                SyntaxError, OSError)


class ImportRejected(DomainError):
    status_code = 422
    code = "import_rejected"
    message = "导入文件有错误，未导入任何记录"


@dataclass
class Row:
    number: int  # the spreadsheet's row number (the header is row 1)
    values: dict[str, str]


@dataclass
class Checked:
    rows: list[tuple[int, ProposalCreate, AssignBody | None]] = field(default_factory=list)
    errors: list[ImportRowError] = field(default_factory=list)

    def error(self, row: int, fieldname: str, problem: str) -> None:
        self.errors.append(ImportRowError(row=row, column=column_name(fieldname), problem=problem))


def column_name(fieldname: str) -> str:
    return COLUMNS[fieldname][0] if fieldname in COLUMNS else fieldname


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # a manual line break pasted from Word arrives as a vertical tab: it is a line break
    return str(value).replace("\x0b", "\n").strip()


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The sheet's cells as text, from xlsx or csv (UTF-8 with or without BOM, or GB18030 from Excel)."""
    if len(data) > MAX_BYTES:
        raise ImportRejected("文件超过 5 MB", errors=[])
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:  # read-only: the sheet's XML is parsed row by row, so damage can surface only here
                return _sheet_table(book.worksheets[0])
            finally:
                book.close()
        except _XLSX_BROKEN:
            raise ImportRejected("无法读取该 xlsx 文件（文件已损坏或不是 Excel 工作簿）", errors=[]) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected("无法识别 CSV 文件的编码（请用 UTF-8 或 GB18030）", errors=[])
    return _csv_table(text)


def _sheet_table(sheet: Any) -> list[list[str]]:
    """The sheet's rows, read no further than the import can use: MAX_COLUMNS columns, and rows up
    to one past MAX_ROWS filled ones or a run of MAX_BLANK_RUN empty ones. A sheet's stated size
    can be a million rows by 16,384 columns (one cell far out is enough), which the reader would
    otherwise pad out cell by cell."""
    table: list[list[str]] = []
    filled = blank_run = 0
    for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
        cells = [_cell(v) for v in row]
        if any(cells):
            filled, blank_run = filled + 1, 0
        else:
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                break
        table.append(cells)
        if filled > MAX_ROWS + 1:  # the header and one row too many: rows_of says so
            break
    return table


def _csv_table(text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""))  # newline="": CR (Excel for Mac), LF and CRLF alike
    table: list[list[str]] = []
    try:
        for row in reader:
            table.append([_cell(v) for v in row])
    except csv.Error:  # in practice a cell over csv's 128 KiB limit, most often from an unclosed quote
        raise ImportRejected(f"无法读取 CSV 文件：第 {len(table) + 1} 行有单元格超过 128 KB 或格式有误，"
                             "请检查引号是否成对", errors=[]) from None
    return table


def rows_of(table: list[list[str]]) -> tuple[dict[str, int], list[Row], list[ImportRowError]]:
    errors: list[ImportRowError] = []
    if not table:
        return {}, [], [ImportRowError(row=1, column="-", problem="文件为空")]
    header = {name: i for i, name in enumerate(table[0]) if name}
    positions: dict[str, int] = {}
    for fieldname, names in COLUMNS.items():
        for name in names:
            if name in header:
                positions[fieldname] = header[name]
                break
    for fieldname in REQUIRED:
        if fieldname not in positions:
            errors.append(ImportRowError(row=1, column=column_name(fieldname), problem="缺少这一列"))
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue  # blank lines are skipped
        values = {f: (cells[i] if i < len(cells) else "") for f, i in positions.items()}
        rows.append(Row(number, values))
    if len(rows) > MAX_ROWS:
        errors.append(ImportRowError(row=1, column="-", problem=f"一次最多导入 {MAX_ROWS} 行"))
    return positions, rows, errors


def co_signers(text: str) -> list[dict[str, str]]:
    result = []
    for part in _SPLIT.split(text):
        match = _CO_SIGNER.match(part)
        if part.strip() and match:
            result.append({"name": match.group(1).strip(), "constituency": (match.group(2) or "").strip()})
    return result


def check(session: Session, table: list[list[str]]) -> Checked:
    """Validate every row; nothing is written."""
    _, rows, header_errors = rows_of(table)
    out = Checked(errors=list(header_errors))
    if header_errors:
        return out
    units = {name: code for code, name in session.execute(select(Unit.code, Unit.name).where(Unit.active.is_(True)))}
    units.update({code: code for code in units.values()})
    seen: dict[tuple[str, str, str], int] = {}
    existing = {(kind, name, number) for kind, name, number in session.execute(
        select(Proposal.kind, Proposal.session_name, Proposal.number).where(
            Proposal.session_name.in_({r.values["session_name"].strip() for r in rows})))}
    for row in rows:
        v = row.values
        before = len(out.errors)
        kind = KIND_VALUES.get(v["kind"])
        if kind is None:
            out.error(row.number, "kind", "只能填“建议”或“提案”" if v["kind"] else "不能为空")
        data = {f: v.get(f, "") for f in REQUIRED if f != "kind"}
        try:
            body = ProposalCreate(kind=kind or "suggestion", co_signers=co_signers(v.get("co_signers", "")), **data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = [str(p) for p in err["loc"]]
                out.error(row.number, loc[0], problem_text(err))
            continue
        key = (body.kind, body.session_name, body.number)
        if key in seen:
            out.error(row.number, "number", f"与第 {seen[key]} 行编号重复")
        seen.setdefault(key, row.number)
        if key in existing:
            out.error(row.number, "number", "系统中已有同一会议的同号建议提案")
        assign = None
        if v.get("host_unit"):
            host = units.get(v["host_unit"])
            assists = [(units.get(t.strip()), t.strip()) for t in _SPLIT.split(v.get("assist_units", ""))
                       if t.strip()]
            if host is None:
                out.error(row.number, "host_unit", f"未知单位“{v['host_unit']}”")
            for code, name in assists:
                if code is None:
                    out.error(row.number, "assist_units", f"未知单位“{name}”")
                elif code == host:
                    out.error(row.number, "assist_units", "协办单位不能与主办单位相同")
            if host is not None:
                assign = AssignBody(host_unit=host, assist_units=[c for c, _ in assists if c])
        elif v.get("assist_units"):
            out.error(row.number, "host_unit", "填了协办单位，必须同时填主办单位")
        if len(out.errors) == before:
            out.rows.append((row.number, body, assign))
    return out


def do_import(session: Session, filename: str, data: bytes, actor: Actor, *,
              now: datetime | None = None) -> ImportResult:
    """All rows or none: raises ImportRejected with `errors` when any row is bad."""
    now = now or utcnow()
    if not may_register(actor.role, actor.sees_everything):
        raise Forbidden("只有市中心的建议提案办理人员可以导入建议提案")
    checked = check(session, read_table(filename, data))
    if checked.errors:
        raise ImportRejected(f"导入文件有 {len(checked.errors)} 处错误，未导入任何记录",
                             errors=[e.model_dump() for e in checked.errors])
    if not checked.rows:
        raise ImportRejected("文件中没有数据行", errors=[])
    ids = []
    for _, body, assign in checked.rows:
        p = do_create_proposal(session, body, actor, now=now, source="import")
        if assign is not None:
            do_assign(session, p.id, assign, actor, now=now)
        ids.append(p.id)
    return ImportResult(imported=len(ids), ids=ids)
