"""`minsheng proposals check-clocks` and `minsheng proposals import`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from minsheng.cli import app
from minsheng.proposals.models import Proposal, ProposalClock
from tests.proposals.test_importer import as_csv, row

runner = CliRunner()


def test_import_then_check_clocks(db, tmp_path: Path, fake_clock) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(as_csv([row("1"), row("2", 背景="太短")]))
    result = runner.invoke(app, ["proposals", "import", str(bad), "--as", "citydisp"])
    assert result.exit_code == 1
    assert "第 3 行 · 背景：至少 10 个字" in result.output
    good = tmp_path / "good.csv"
    good.write_bytes(as_csv([row("1", 主办单位="ZJJ"), row("2")]))
    result = runner.invoke(app, ["proposals", "import", str(good), "--as", "citydisp"])
    assert result.exit_code == 0, result.output
    assert '"imported": 2' in result.output
    assert runner.invoke(app, ["proposals", "import", str(good), "--as", "zjj"]).exit_code == 1  # not the centre
    fake_clock.advance(days=4)
    result = runner.invoke(app, ["proposals", "check-clocks"])
    assert result.exit_code == 0 and "预警 1 条，超时督办 0 条" in result.output
    assert "预警 0 条" in runner.invoke(app, ["proposals", "check-clocks"]).output
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Proposal)) == 2
        assert s.scalar(select(func.count()).select_from(ProposalClock).where(
            ProposalClock.warned_at.is_not(None))) == 1
