"""Headless commands through a real subprocess: `python main.py validate|export …`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from storage.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", QT_QPA_PLATFORM="offscreen")
    if sys.platform == "win32":  # offscreen finds no Chinese font on Windows (only Qt's lib/fonts, no .ttc)
        env.pop("QT_QPA_PLATFORM")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, env=env, timeout=120)


@pytest.fixture
def demo_db(workspace: Workspace, db_path: Path) -> Path:
    workspace.close()  # the subprocess opens the same real file
    return db_path


def test_version() -> None:
    out = run("--version")
    assert out.returncode == 0 and "节能减排" in out.stdout


def test_validate_clean_period_exits_zero(demo_db: Path) -> None:
    out = run("validate", "--db", str(demo_db), "--period", "2025")
    assert out.returncode == 0, out.stderr
    assert "演示镇" in out.stdout and "2025年" in out.stdout
    assert "《镇街能源消费统计表》" in out.stdout
    assert "错误0条" in out.stdout


def test_validate_with_errors_exits_one(demo_db: Path, catalogue) -> None:
    ws = Workspace.open(demo_db, catalogue=catalogue)
    town = next(t for t in ws.townships() if t.is_demo)
    data = ws.find_report_data(town.id, "energy_consumption", "2025")
    ws.edit(data.report.id, ("energy", "diesel", "consumption"), "-5")
    ws.close()
    out = run("validate", "--db", str(demo_db), "--period", "2025", "--township", "500118999000")
    assert out.returncode == 1
    assert "[错误]" in out.stdout and "柴油 / 消费量：数值须≥0" in out.stdout


def test_bad_arguments_are_explained_in_chinese(demo_db: Path, tmp_path: Path) -> None:
    out = run("validate", "--db", str(demo_db))
    assert out.returncode == 2 and "参数错误" in out.stderr and "缺少必需的参数" in out.stderr
    out = run("validate", "--db", str(demo_db), "--period", "25年")
    assert out.returncode == 2 and "报告期 '25年' 格式不正确" in out.stderr
    out = run("validate", "--db", str(tmp_path / "nope.sqlite"), "--period", "2025")
    assert out.returncode == 2 and "数据库文件不存在" in out.stderr
    assert not (tmp_path / "nope.sqlite").exists()
    out = run("validate", "--db", str(demo_db), "--period", "2025", "--township", "火星镇")
    assert out.returncode == 2 and "没有镇街 '火星镇'" in out.stderr
    out = run("frobnicate")
    assert out.returncode == 2 and "参数错误" in out.stderr


def test_export_writes_workbook(demo_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "演示镇_2025.xlsx"
    target.parent.mkdir()
    out = run("export", "--db", str(demo_db), "--period", "2025", "--out", str(target))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "已导出" in out.stdout and "SHA-256" in out.stdout
    wb = load_workbook(target)
    meta = wb["_meta"]
    assert meta.sheet_state == "hidden"
    values = {row[0].value: row[1].value for row in meta.iter_rows(min_row=1, max_col=2)}
    assert values["period"] == "2025"
    assert values["township_stat_code"] == "500118999000"
    assert len(values["sha256"]) == 64


def test_export_refused_on_errors_writes_nothing(demo_db: Path, tmp_path: Path, catalogue) -> None:
    ws = Workspace.open(demo_db, catalogue=catalogue)
    town = next(t for t in ws.townships() if t.is_demo)
    data = ws.find_report_data(town.id, "energy_consumption", "2025")
    ws.edit(data.report.id, ("energy", "coke", "consumption"), "abc")
    ws.close()
    target = tmp_path / "refused.xlsx"
    out = run("export", "--db", str(demo_db), "--period", "2025", "--out", str(target))
    assert out.returncode == 1
    assert "拒绝导出" in out.stdout and "焦炭" in out.stdout
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left


def test_first_run_creates_an_empty_database_and_renders_window(tmp_path: Path) -> None:
    """What a new user gets from `python main.py`: a new database of her own (no demo: the window
    asks who she is first, issue 13.2), and a window."""
    db = tmp_path / "data" / "first.sqlite"
    png = tmp_path / "shots" / "window.png"
    out = run("--db", str(db), "--screenshot", str(png))
    assert out.returncode == 0, out.stdout + out.stderr
    assert db.is_file() and png.is_file() and png.stat().st_size > 20_000
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert image.width() >= 1000 and image.height() >= 600
    ws = Workspace.open(db, demo=False)
    try:
        assert ws.townships() and not any(t.is_demo for t in ws.townships())
        assert ws.report_periods() == []  # nothing opened before she chose her 镇街
    finally:
        ws.close()


def test_demo_flag_opens_the_demo_database(tmp_path: Path) -> None:
    """`python main.py --demo`: the demo township in a database of its own (帮助 → 打开演示数据 from
    the command line, and what the Windows build's screenshot and `validate` step use)."""
    db = tmp_path / "演示 数据.sqlite"
    png = tmp_path / "demo.png"
    out = run("--demo", "--db", str(db), "--screenshot", str(png))
    assert out.returncode == 0, out.stdout + out.stderr
    assert png.is_file() and png.stat().st_size > 20_000
    ws = Workspace.open(db, demo=False)
    try:
        assert [t.name for t in ws.townships() if t.is_demo] == ["演示镇（示例数据）"]
    finally:
        ws.close()
    checked = run("validate", "--db", str(db), "--period", "2025")
    assert checked.returncode in (0, 1) and "演示镇" in checked.stdout, checked.stdout + checked.stderr
