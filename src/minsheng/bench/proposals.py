"""`minsheng bench proposals`: spreadsheet import, redaction and measures, timed on SQLite and PostgreSQL.

- import: an xlsx of N suggestions (half with a host and an assisting unit, so they are assigned and
  their clocks start) is checked and written in one transaction; rows per second. The same sheet with
  one bad row at the end is refused; the time to produce the report (nothing written).
- redaction: texts with names, phone and ID numbers and house numbers; texts and characters per second.
- measures: per session and unit over the imported proposals (clocks included); milliseconds.
"""

from __future__ import annotations

import io
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from minsheng.bench.results import machine_facts, write_result
from minsheng.bench.scratch import scratch_database, server_version

SESSION = "2026年市人大十七届六次会议"
HEADER = ["类别", "编号", "会议", "类型", "标题", "领衔人", "代表团/界别", "联名人", "背景", "诉求",
          "主办单位", "协办单位"]
UNITS = ["ZJJ", "ZFJ", "JTJ", "SLJ", "NYJ", "SCJGJ", "RSJ", "WJJ", "JYJ", "MZJ"]
TEXT = ("当湖街道{n}号小区建于上世纪九十年代，居民{name}反映楼道照明损坏，家住东湖路{h}号{b}幢{r}室，"
        "联系电话138{p:08d}，身份证号330482199{y}0101{i:03d}X。多位老人出行不便，希望加快改造。")


def sheet(rows: int, *, bad_last: bool = False, seed: int = 7) -> bytes:
    from openpyxl import Workbook

    rnd = random.Random(seed)
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(HEADER)
    for n in range(1, rows + 1):
        assigned = n % 2 == 0
        host, assist = rnd.sample(UNITS, 2)
        background = TEXT.format(n=n, name="张三丰", h=n, b=3, r=501, p=n, y=n % 10, i=n)
        ws.append(["建议", str(n), SESSION, "城乡建设", f"关于第{n}号民生事项的建议", f"代表{n % 97}", "当湖街道代表团",
                   "陆美芳（当湖街道代表团）、顾志强", background, "一是加快改造；二是加大补助。",
                   host if assigned else "", assist if assigned else ""])
    if bad_last:
        ws.cell(row=rows + 1, column=9, value="太短")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _prepare(url: str) -> Any:
    from minsheng.clock import utcnow
    from minsheng.db import Database
    from minsheng.directory.actors import Actor
    from minsheng.directory.config import demo_config_dir, load_city_config
    from minsheng.directory.loader import load_city
    from minsheng.migrate import upgrade

    upgrade(url)
    db = Database(url)
    with db.session() as s:
        load_city(s, load_city_config(demo_config_dir()), now=utcnow())
    return db, Actor(None, "bench", "基准", "city_dispatcher", "SZZX", "/SZZX/")


def run_backend(url: str, rows: int) -> dict[str, Any]:
    from minsheng.clock import utcnow
    from minsheng.proposals import importer, measures

    db, actor = _prepare(url)
    good, bad = sheet(rows), sheet(rows, bad_last=True)
    start = time.perf_counter()
    try:
        with db.session() as s:
            importer.do_import(s, "bad.xlsx", bad, actor)
        refused = False
    except importer.ImportRejected as exc:
        refused = len(exc.extra["errors"]) == 1
    bad_seconds = time.perf_counter() - start
    start = time.perf_counter()
    with db.session() as s:
        result = importer.do_import(s, "good.xlsx", good, actor)
    import_seconds = time.perf_counter() - start
    start = time.perf_counter()
    with db.read_session() as s:
        table = measures.aggregate(measures.items(s, actor, utcnow()))
    measures_ms = (time.perf_counter() - start) * 1000
    db.dispose()
    return {"rows": rows, "imported": result.imported, "import_seconds": round(import_seconds, 3),
            "rows_per_s": round(rows / import_seconds, 1), "bad_sheet_refused": refused,
            "bad_sheet_report_seconds": round(bad_seconds, 3), "measures_rows": len(table),
            "measures_ms": round(measures_ms, 1)}


def run_redaction(texts: int) -> dict[str, Any]:
    from minsheng.publishing.redaction import redact

    corpus = [TEXT.format(n=n, name="张三丰", h=n, b=n % 9 + 1, r=101 + n % 600, p=n, y=n % 10, i=n % 1000)
              for n in range(texts)]
    start = time.perf_counter()
    found = sum(len(redact(t).found) for t in corpus)
    seconds = time.perf_counter() - start
    chars = sum(len(t) for t in corpus)
    return {"texts": texts, "chars": chars, "seconds": round(seconds, 3), "texts_per_s": round(texts / seconds),
            "chars_per_s": round(chars / seconds), "findings_per_text": round(found / texts, 2)}


def run(rows: int, texts: int, postgres: bool, log: Any = print) -> dict[str, Any]:
    result: dict[str, Any] = {"benchmark": "proposals", "machine": machine_facts(), "params": {
        "rows": rows, "texts": texts}, "load_avg_1m_at_start": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory() as tmp:
        log(f"SQLite: importing {rows} rows …")
        result["sqlite"] = run_backend(f"sqlite:///{Path(tmp) / 'bench.db'}", rows)
    if postgres:
        with scratch_database("minsheng_bench_proposals") as url:
            log(f"PostgreSQL {server_version(url)}: importing {rows} rows …")
            result["postgresql"] = run_backend(url, rows)
    log(f"redacting {texts} texts …")
    result["redaction"] = run_redaction(texts)
    return result


def register(bench_app: typer.Typer) -> None:
    @bench_app.command("proposals")
    def proposals(
        rows: Annotated[int, typer.Option(help="表格行数")] = 2000,
        texts: Annotated[int, typer.Option(help="脱敏文本条数")] = 5000,
        postgres: Annotated[bool, typer.Option("--postgres/--no-postgres", help="同时测 PostgreSQL")] = True,
        out: Annotated[Path | None, typer.Option(help="结果目录，默认 benchmarks/results")] = None,
    ) -> None:
        """建议提案：表格导入速度（全有或全无）、脱敏速度、办理质效统计耗时。"""
        result = run(rows, texts, postgres, log=typer.echo)
        path = write_result("proposals", result, out)
        typer.echo(json.dumps({k: v for k, v in result.items() if k != "machine"}, ensure_ascii=False, indent=2))
        typer.echo(f"结果已写入 {path}")
