"""报送进度 on real files: the 24 × 7 matrix after receiving township files — 未收到 / 逾期 after the
deadline, 已接收, 有错误, 本期无数据 (an empty form in a received file), the district's 已审核 and
已退回 — with counts per row and column, from the core and the command line."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import pytest

from district.completeness import CellState, completeness, set_deadline
from district.intake import Verdict, intake_files
from export.submission import export_template
from main import main
from storage.workspace import Workspace
from tests.district_helpers import set_cells


@pytest.fixture(scope="module")
def received(tmp_path_factory, township_files, catalogue) -> Path:
    """A district database that received 22 of the 23 files and one filled template (仙龙镇's
    file is missing; 永昌街道 has none): built once, tests work on copies."""
    import shutil

    folder = tmp_path_factory.mktemp("completeness")
    ws = Workspace.create_district(folder / "区库.sqlite", catalogue=catalogue, user="区统计局")
    try:
        files = [p for name, p in township_files.items() if name not in ("仙龙镇", "吉安镇")]
        assert intake_files(ws, files).count(Verdict.ACCEPTED) == 21
        town = ws.find_township("吉安镇")
        template = export_template(ws, "2025", folder / "吉安镇模板.xlsx", township_id=town.id)
        filled = set_cells(template, folder / "吉安镇_填好.xlsx", {
            ("energy_consumption", "energy", "raw_coal", "consumption"): 100,
            ("coal_vocs", "coal", "coal_total", "value"): 5})  # ≠ 表1's coal: a cross-form 错误
        assert intake_files(ws, [filled]).results[0].verdict == Verdict.WITH_ERRORS
    finally:
        ws.close()
    shutil.rmtree(folder / "backups", ignore_errors=True)
    return folder / "区库.sqlite"


@pytest.fixture
def district(received: Path, tmp_path: Path, catalogue):
    import shutil

    copy = Path(shutil.copy(received, tmp_path / "区库.sqlite"))
    ws = Workspace.open(copy, catalogue=catalogue, demo=False, user="区统计局")
    yield ws
    ws.close()


def test_matrix_states_and_counts(district) -> None:
    matrix = completeness(district, "2025")
    assert len(matrix.townships) == 24 and len(matrix.forms) == 7
    ids = {t.name: t.id for t in matrix.townships}
    assert all(matrix.state(ids["三教镇"], k) == CellState.RECEIVED for k, _ in matrix.forms)
    assert all(matrix.state(ids["仙龙镇"], k) == CellState.MISSING for k, _ in matrix.forms)
    assert matrix.state(ids["吉安镇"], "coal_vocs") == CellState.ERRORS
    assert matrix.state(ids["吉安镇"], "agriculture") == CellState.NO_DATA  # empty in the received file
    totals = matrix.totals()
    assert totals[CellState.MISSING] == 14  # 仙龙镇 and 永昌街道
    assert totals[CellState.RECEIVED] == 21 * 7 + sum(
        matrix.state(ids["吉安镇"], k) == CellState.RECEIVED for k, _ in matrix.forms)
    assert matrix.row_counts(ids["仙龙镇"])[CellState.MISSING] == 7
    assert matrix.column_counts("agriculture")[CellState.RECEIVED] == 21
    assert sum(sum(matrix.column_counts(k).values()) for k, _ in matrix.forms) == 24 * 7
    assert {t.name for t in matrix.reported()} == set(ids) - {"仙龙镇", "永昌街道"}


def test_deadline_makes_missing_overdue(district) -> None:
    set_deadline(district, "2025", _dt.date(2026, 3, 31))
    before = completeness(district, "2025", today=_dt.date(2026, 3, 31))
    after = completeness(district, "2025", today=_dt.date(2026, 4, 1))
    town = district.find_township("仙龙镇").id
    assert before.state(town, "agriculture") == CellState.MISSING and not before.overdue
    assert after.state(town, "agriculture") == CellState.OVERDUE and after.overdue
    assert after.totals()[CellState.OVERDUE] == 14 and after.deadline == _dt.date(2026, 3, 31)


def test_district_marks_win(district) -> None:
    town = district.find_township("三教镇").id
    district.set_district_mark(town, "2025", ["energy_consumption"], "已审核")
    district.set_district_mark(town, "2025", ["agriculture"], "已退回")
    matrix = completeness(district, "2025")
    assert matrix.state(town, "energy_consumption") == CellState.AUDITED
    assert matrix.state(town, "agriculture") == CellState.RETURNED
    district.set_district_mark(town, "2025", ["agriculture"], None)
    assert completeness(district, "2025").state(town, "agriculture") == CellState.RECEIVED


def test_cli_prints_the_same_matrix(district, capsys) -> None:
    db = district.path
    district.close()
    assert main(["completeness", "--db", str(db), "--period", "2025", "--deadline", "2000-01-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {t["name"]: t for t in data["townships"]}
    assert data["overdue"] and rows["仙龙镇"]["cells"]["energy_consumption"] == "逾期"
    assert rows["吉安镇"]["cells"]["coal_vocs"] == "有错误"
    assert data["totals"]["已接收"] == sum(r["counts"]["已接收"] for r in rows.values())
    assert main(["completeness", "--db", str(db), "--period", "2025"]) == 0
    text = capsys.readouterr().out
    assert "截止日期 2000-01-01（已逾期）" in text and "三教镇\t已接收" in text


def test_cli_completeness_on_a_township_database(workspace, capsys) -> None:
    db = workspace.path
    workspace.close()
    assert main(["completeness", "--db", str(db), "--period", "2025"]) == 2
    assert "不是区级汇总库" in capsys.readouterr().err
