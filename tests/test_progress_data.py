"""Progress toward the plan's targets from a real database (district and township), the
workbook and `python main.py progress`, checked against the test's own sqlite3 sums."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from district.progress import ProgressState, plan_progress
from district.progress_data import YEARS, progress_report, write_progress_workbook
from tests.stored import dump_cells
from tests.summary_helpers import fill_townships
from tests.test_cli import run

PERIODS = ("2023", "2024", "2025")


@pytest.fixture
def district_ws(workspace):
    fill_townships(workspace, 23, PERIODS, skip=(5,))
    workspace.store.set_setting("database_kind", "district")
    return workspace


def _list_sums(db_path: Path, table: str, column: str, *, township: str | None = None) -> dict[int, float]:
    """year → Σ of a list column over the real townships' rows (or one township's), own SQL."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            f"SELECT r.period, v.value FROM {dump_cells(conn)} v JOIN list_rows l ON l.report_id = v.report_id"
            " AND l.table_key = v.table_key AND l.row_key = v.row_key JOIN reports r ON r.id = v.report_id"
            " JOIN townships t ON t.id = r.township_id WHERE t.is_demo = 0 AND v.table_key = ? AND v.col_key = ?"
            " AND (? IS NULL OR t.name = ?)", (table, column, township, township)).fetchall()
    out: dict[int, list[float]] = {}
    for period, value in rows:
        if isinstance(value, (int, float)):
            out.setdefault(int(period), []).append(value)
    return {y: math.fsum(v) for y, v in out.items()}


def test_district_values_are_the_sums_of_each_year(district_ws, db_path: Path) -> None:
    report = progress_report(district_ws)
    assert report.district and report.scope == "全区" and report.years == [2023, 2024, 2025]
    items = {i.target.id: i for i in report.items}
    assert len(items) >= 30  # every target, measured or not
    cod = items["cod_projects"]
    expected = _list_sums(db_path, "projects", "cod")
    assert cod.progress.values == pytest.approx(expected, rel=1e-9)
    assert cod.progress == plan_progress(cod.target, expected)  # the same progress from the same figures
    for year, rows in cod.contributions.items():  # townships' contributions add up to the district
        assert len(rows) == 22 and math.fsum(v for _, v in rows) == pytest.approx(expected[year], rel=1e-9)
    assert items["energy_intensity"].contributions == {}  # a ratio: no township share
    # measured since d3 on the district department form, which this district has not filled
    assert items["industry_intensity"].progress.state is ProgressState.NO_DATA
    pv = items["rooftop_pv"].progress
    assert pv.start == (2023, pv.values[2023])  # no base in the plan: the path starts at the first year
    assert pv.path_value(2025) == items["rooftop_pv"].target.target


def test_township_database_shows_its_own_share_targets(workspace, db_path: Path) -> None:
    towns = fill_townships(workspace, 1, PERIODS)
    report = progress_report(workspace)
    assert not report.district and report.scope == towns[0].name
    assert report.items and all(i.target.township_share for i in report.items)
    cod = next(i for i in report.items if i.target.id == "cod_projects")
    assert cod.progress.values == pytest.approx(_list_sums(db_path, "projects", "cod", township=towns[0].name))


def test_township_figures_are_shares_of_the_district_target_without_a_verdict(workspace, db_path: Path) -> None:
    """The plan does not split its targets by township: a township's 85 t is 4 % of the district's
    2133.3 t, never "落后，还差 2,048 t"; no path, no gap, no per-year need (the window and the CLI)."""
    towns = fill_townships(workspace, 1, PERIODS)
    report = progress_report(workspace)
    for item in report.items:
        p, t = item.progress, item.target
        assert p.state is ProgressState.SHARE and p.start is None and p.path_value(2025) is None
        assert p.remaining is None and p.per_year is None
        assert p.done_share == pytest.approx(p.values[2025] / t.target)
        assert "占全区目标" in p.text() and "落后" not in p.text() and "还差" not in p.text()
    workspace.close()
    done = run("progress", "--db", str(db_path))
    assert done.returncode == 0 and towns[0].name in done.stdout
    assert "占全区目标 2,133.3吨" in done.stdout and "落后" not in done.stdout and "还差" not in done.stdout
    data = json.loads(run("progress", "--db", str(db_path), "--json").stdout)
    assert not data["district"] and {t["state"] for t in data["targets"]} == {ProgressState.SHARE.value}


def test_demo_database_shows_the_demo(workspace) -> None:
    report = progress_report(workspace)
    assert report.scope == "演示镇（示例数据）" and report.years == [2023, 2024, 2025]
    assert any(i.progress.values for i in report.items)


def test_workbook_holds_the_values(district_ws, tmp_path: Path) -> None:
    report = progress_report(district_ws)
    wb = load_workbook(write_progress_workbook(report, tmp_path / "进度.xlsx"))
    ws = wb["规划目标进度"]
    heads = [c.value for c in ws[3]]
    rows = {r[1]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert len(rows) == len(report.items)
    for item in report.items:
        row = rows[item.target.name]
        for year in YEARS:
            value = row[heads.index(f"{year}年")]
            assert value == (pytest.approx(item.progress.values[year]) if year in item.progress.values else None)
        assert row[heads.index("状态")] == item.progress.state.value
        assert row[heads.index("进度说明")] == item.progress.text()
    shares = list(wb["镇街贡献"].iter_rows(min_row=2, values_only=True))
    cod = [r for r in shares if r[0] == "化学需氧量重点工程减排量"]
    assert len(cod) == 22 and math.fsum(r[3 + YEARS.index(2025)] for r in cod) == pytest.approx(
        next(i for i in report.items if i.target.id == "cod_projects").progress.values[2025])


def test_cli_progress(district_ws, db_path: Path, tmp_path: Path) -> None:
    district_ws.close()
    done = run("progress", "--db", str(db_path), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    cod = next(t for t in data["targets"] if t["id"] == "cod_projects")
    assert cod["values"]["2025"] == pytest.approx(_list_sums(db_path, "projects", "cod")[2025])
    assert cod["state"] in {s.value for s in ProgressState} and data["years"] == [2023, 2024, 2025]
    out = tmp_path / "进度.xlsx"
    text = run("progress", "--db", str(db_path), "--out", str(out))
    assert text.returncode == 0 and "化学需氧量重点工程减排量" in text.stdout and out.is_file()
    bad = run("progress", "--db", str(db_path), "--out", str(tmp_path / "进度.csv"))
    assert bad.returncode == 2 and ".xlsx" in bad.stderr
    missing = run("progress", "--db", str(tmp_path / "没有.sqlite"))
    assert missing.returncode == 2 and "不存在" in missing.stderr
