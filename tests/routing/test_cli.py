from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from minsheng.routing.cli import router_app

runner = CliRunner()
ROWS = [("路灯不亮好几天了", "市政"), ("路灯坏了晚上很黑", "市政"), ("灯杆被车撞歪了", "市政"),
        ("小区停水没有通知", "水务"), ("自来水发黄有铁锈味", "水务"), ("水压太低二楼没水", "水务")]


def _csv(path: Path) -> Path:
    path.write_text("text,label\n" + "".join(f"{t},{lab}\n" for t, lab in ROWS), encoding="utf-8")
    return path


def test_train_then_eval_on_csv(tmp_path: Path) -> None:
    data = _csv(tmp_path / "own.csv")
    out = tmp_path / "own.model"
    result = runner.invoke(router_app, ["train", str(data), "--out", str(out), "--no-embeddings"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["taxonomy"] == "custom" and out.exists()
    result = runner.invoke(router_app, ["eval", str(data), "--model", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 6 and "department_accuracy" not in report and report["seen_in_training"] == 6


def test_eval_on_jsonl_reports_the_route(tmp_path: Path) -> None:
    row = {"id": "X1", "channel": "web", "text": "林埭镇一家饭店门口车辆乱停，把厂区大门堵死了", "address": "林埭镇",
           "category": "JT04", "town": "330482107", "department": "JJDD"}
    data = tmp_path / "x.jsonl"
    data.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    result = runner.invoke(router_app, ["eval", str(data)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 1 and report["town_accuracy"] == 1.0 and "department_accuracy" in report


def test_bad_input_exits_with_a_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n", encoding="utf-8")
    result = runner.invoke(router_app, ["train", str(bad), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2 and "text,label" in result.output


def test_a_file_not_in_utf8_exits_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    data = tmp_path / "gbk.csv"
    data.write_bytes(_csv(tmp_path / "own.csv").read_text(encoding="utf-8").encode("gb18030"))
    result = runner.invoke(router_app, ["train", str(data), "--out", str(tmp_path / "m"), "--no-embeddings"])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 2, repr(result.exception)
    assert "gbk.csv:2: 不是 UTF-8 编码" in result.output


def test_train_from_the_database(db, actors, routed, tmp_path: Path) -> None:
    from minsheng.cases.schemas import ActionBody, CaseCreate
    from minsheng.cases.service import do_action, do_create_case

    ct = actors["calltaker"]
    texts = [("路灯不亮好几天了", "SZ01"), ("路灯坏了晚上很黑", "SZ01"), ("小区门口人行道上摆摊卖水果", "CG01"),
             ("店外占道经营堵住人行道", "CG01")]
    with db.session() as s:
        for text, label in texts:
            case = do_create_case(s, CaseCreate(channel="12345", content=text), ct)
            do_action(s, case.id, "answer_directly", ActionBody(text="已转告", category=label), ct)
    out = tmp_path / "db.model"
    result = runner.invoke(router_app, ["train", "--from-db", "--out", str(out), "--no-embeddings"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["examples"] == 4 and summary["taxonomy"] == "config"
    from minsheng.routing.model import RouterModel

    assert RouterModel.load(out).metadata["sources"] == ["database: 4 cases"]


def test_train_needs_files_or_the_database(tmp_path: Path) -> None:
    result = runner.invoke(router_app, ["train", "--out", str(tmp_path / "m")])
    assert result.exit_code == 2 and "--from-db" in result.output
