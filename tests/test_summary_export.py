"""The 汇总 workbook and `python main.py aggregate`: written, read back with openpyxl, checked
against the test's own sums of the stored figures (sqlite3), the 对比表 against its own columns."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from openpyxl import load_workbook

from district.summary import DISTRICT_NAME, district_summary
from district.summary_export import write_summary_workbook
from export.layout import form_layout
from tests.summary_helpers import fill_townships
from tests.test_cli import run
from tests.test_summary import SKIPPED, _independent_sums


@pytest.fixture
def district_db(workspace, db_path: Path) -> Path:
    fill_townships(workspace, 23, ("2025",), skip=(SKIPPED,))
    return db_path


def _table(ws, head_row: int) -> list[tuple]:
    rows = []
    for row in ws.iter_rows(min_row=head_row + 1, values_only=True):
        if row[0] is None:
            break
        rows.append(row)
    return rows


def test_workbook_holds_the_sums_in_the_fixed_template(workspace, district_db, tmp_path: Path) -> None:
    summary = district_summary(workspace, "2025")
    out = write_summary_workbook(summary, tmp_path / "汇总.xlsx")
    wb = load_workbook(out)
    sums = _independent_sums(district_db, "2025")
    checked = 0
    for key, form_summary in summary.forms.items():
        form = form_summary.form
        ws = wb[form.code]
        assert ws["A1"].value == form.name and ws["A5"].value == f"填报单位：{DISTRICT_NAME}"
        assert any(str(c.value or "").startswith("单位负责人") for c in ws["A"])  # the footer
        layout = form_layout(form, form_summary.aggregate.list_rows)
        for (table, row, col), (r, c) in layout.cells.items():
            if form.table(table).kind == "grid" and (key, table, row, col) in sums:
                spec = form.table(table)
                if spec.aggregate_mode(spec.row(row), spec.column(col)) == "sum":
                    assert ws.cell(r, c).value == pytest.approx(sums[(key, table, row, col)], rel=1e-12)
                    checked += 1
    assert checked > 60
    # list tables: every township's rows once, each with its 镇街 in the added last column
    units = wb["永节统2表"]
    head = next(r for r in range(1, 20) if units.cell(r, 1).value == "序号")
    last = max(c for c in range(1, 40) if units.cell(head, c).value is not None)
    assert units.cell(head, last).value == "镇街"
    body = _table(units, head + 1)
    stored = [(t.name, n) for t, n in zip(summary.forms["key_energy_units"].members,
                                          (len(i.list_rows["units"]) for i in summary.forms["key_energy_units"].inputs))
              for _ in range(n)]
    assert [r[last - 1] for r in body] == [name for name, _ in stored]
    assert all(r[1].startswith(r[last - 1]) for r in body)  # the test data names each enterprise after its township


def test_comparison_sheet_adds_up_and_shares(workspace, district_db, tmp_path: Path) -> None:
    summary = district_summary(workspace, "2025")
    wb = load_workbook(write_summary_workbook(summary, tmp_path / "汇总.xlsx"))
    ws = wb["对比表_永节统1表"]
    heads = [c.value for c in ws[3]]
    body = _table(ws, 3)
    towns, district = body[:-1], body[-1]
    assert district[0] == "全区合计" and len(towns) == 22
    skipped = [t for t in workspace.townships() if not t.is_demo][SKIPPED]
    assert skipped.name not in [r[0] for r in towns]
    assert any(skipped.name in str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for i, head in enumerate(heads):
        if head == "占全区%":
            values = [r[i - 1] for r in towns if r[i - 1] is not None]
            if not values:  # nobody filled it: blank, not 0
                assert district[i - 1] is None
                continue
            assert district[i - 1] == pytest.approx(math.fsum(values), rel=1e-9)  # district = Σ townships
            assert math.fsum(r[i] for r in towns if r[i] is not None) == pytest.approx(100.0)
            assert towns[0][i] == pytest.approx(towns[0][i - 1] / district[i - 1] * 100)
    col = {h: i for i, h in enumerate(heads)}
    gdp = district[col["地区生产总值(按2020年可比价格)（万元）"]]
    energy = district[col["综合能源消费量(等价值)（吨标准煤）"]]
    raw = district[col["其中：原料用能（吨标准煤）"]] or 0
    intensity_head = next(h for h in heads if h and h.startswith("单位地区生产总值能耗("))
    assert district[col[intensity_head]] == pytest.approx((energy - raw) / gdp, rel=1e-9)
    assert heads[col[intensity_head] + 1:col[intensity_head] + 2] != ["占全区%"]  # a ratio has no share


def test_summary_sheet_names_coverage_and_findings(workspace, district_db, tmp_path: Path) -> None:
    report = workspace.store.find_report(workspace.townships()[3].id, "energy_consumption", "2025")
    workspace.store.set_values(report.id, [(("energy", "raw_coal", "coef_used"), 0.8)], "测试员")
    summary = district_summary(workspace, "2025")
    wb = load_workbook(write_summary_workbook(summary, tmp_path / "汇总.xlsx"))
    text = "\n".join(str(c.value) for row in wb["汇总说明"].iter_rows() for c in row if c.value is not None)
    skipped = [t for t in workspace.townships() if not t.is_demo][SKIPPED]
    assert f"缺报（本期无任何报表）：{skipped.name}" in text and "已纳入22个" in text
    assert "不等于各镇街之和" in text  # the Σ check


def test_cli_aggregate(workspace, district_db, tmp_path: Path) -> None:
    workspace.close()
    out = tmp_path / "镇汇总.xlsx"
    done = run("aggregate", "--db", str(district_db), "--period", "2025", "--out", str(out), "--group", "镇")
    assert done.returncode == 0, done.stderr
    assert "分类汇总（镇）" in done.stdout and f"已导出汇总：{out}" in done.stdout
    wb = load_workbook(out)
    assert wb["永节统1表"]["A5"].value == f"填报单位：{DISTRICT_NAME}"
    bad = run("aggregate", "--db", str(district_db), "--period", "2025", "--out", str(tmp_path / "x.xlsx"),
              "--townships", "500118001000,不存在镇")
    assert bad.returncode == 2 and "没有镇街 '不存在镇'" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "x.xlsx").exists()
    disguised = tmp_path / "数据库副本.xlsx"  # a database named like a workbook is never overwritten
    disguised.write_bytes(district_db.read_bytes())
    same = run("aggregate", "--db", str(district_db), "--period", "2025", "--out", str(disguised))
    assert same.returncode == 2 and "不能写入" in same.stderr and disguised.read_bytes() == district_db.read_bytes()


def test_hostile_township_name_stays_text(workspace, district_db, tmp_path: Path) -> None:
    """A township name that looks like a formula and holds a control character is written as
    plain text (never a formula) wherever the 汇总 prints it."""
    from tests.summary_helpers import copy_demo

    town = workspace.store.add_township("=HYPERLINK(\"http://x\")\x1b镇", stat_code="500118990000", kind="镇")
    copy_demo(workspace, town, 1.0, ("2025",))
    summary = district_summary(workspace, "2025")
    wb = load_workbook(write_summary_workbook(summary, tmp_path / "汇总.xlsx"))
    expected = "=HYPERLINK(\"http://x\")镇"
    found = [c for ws in (wb["对比表_永节统1表"], wb["永节统2表"], wb["汇总说明"]) for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert len(found) >= 3 and all(c.data_type == "s" for c in found)
    assert any(c.value == expected for c in found) and not any("\x1b" in c.value for c in found)
