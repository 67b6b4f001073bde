"""汇总 and plan progress at the district's sizes, each against a baseline in the same run:

  汇总 24 townships × 7 forms   district_summary (add up, 审核 of the 汇总, Σ checks)   goal < 200 ms
                                 vs one plain query reading those reports' values
  汇总 1,000 townships           district_summary reading and adding up                  goal ≤ 3× baseline
                                 vs one plain query reading those reports' values; the 审核
                                 of the 汇总 (its list tables hold every township's rows) and
                                 the Σ checks (every township's report computed) measured apart
  汇总 workbook (24)             write_summary_workbook (template + 对比表 + 汇总说明)
                                 vs openpyxl writing the same number of cells plainly
  progress view paint            ProgressView built, shown and painted (grab)             goal < 200 ms
                                 vs painting a plain widget of the same size

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/summary_bench.py
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import paired_ms, report  # noqa: E402


def _plain_read(path: Path, period: str) -> Any:
    """The baseline: every real township's stored values of the period, one plain query (w2: the
    values are packed per column since migration 12 — each pack's two JSON arrays read by ``json``)."""
    loads = json.loads

    def read() -> list:
        with sqlite3.connect(str(path)) as conn:
            return [(town, form, table, row, col, value) for town, form, table, col, rows, vals in conn.execute(
                "SELECT r.township_id, r.form_key, v.table_key, v.col_key, v.row_keys, v.vals FROM cell_columns v"
                " JOIN reports r ON r.id = v.report_id JOIN townships t ON t.id = r.township_id"
                " WHERE r.period = ? AND t.is_demo = 0", (period,))
                for row, value in zip(loads(rows), loads(vals))]
    return read


def _database(folder: Path, extra: int) -> Any:
    from storage.workspace import Workspace
    from tests.summary_helpers import add_townships, copy_demo, factor_of, fill_townships

    ws = Workspace.open(folder / f"district_{extra}.sqlite", user="bench")
    fill_townships(ws, 24, ("2023", "2024", "2025"))
    if extra:
        towns = add_townships(ws, extra)
        with ws.store.atomic():
            for i, town in enumerate(towns):
                copy_demo(ws, town, factor_of(i % 40), ("2025",))
    ws.store.set_setting("database_kind", "district")
    ws.store.checkpoint()
    return ws


def bench_summary(folder: Path) -> None:
    from district.summary import district_summary

    ws = _database(folder, 0)
    base, ours = paired_ms(_plain_read(ws.path, "2025"), lambda: district_summary(ws, "2025"), 7)
    report("汇总 24镇街×7表（含审核、Σ核对）", 24, ours, base, "一次普通查询读取", "< 200 ms", ours < 200)

    from openpyxl import Workbook

    from district.summary_export import write_summary_workbook

    summary = district_summary(ws, "2025")
    out = folder / "汇总.xlsx"

    def plain_book() -> None:
        wb = Workbook()
        sheet = wb.active
        for r in range(1, 1200):
            sheet.append([r, "镇街", 1.5, 2.5, 3.5, 4.5, 5.5, 6.5])
        wb.save(folder / "plain.xlsx")

    base, ours = paired_ms(plain_book, lambda: write_summary_workbook(summary, out), 3)
    report("汇总工作簿（模板+对比表+汇总说明）", 24, ours, base, "openpyxl 写约1万个单元格")
    ws.close()

    big = _database(folder, 1000)
    n = len([t for t in big.townships() if not t.is_demo])
    base, ours = paired_ms(_plain_read(big.path, "2025"),
                           lambda: district_summary(big, "2025", checks=False, validate=False), 3)
    report("汇总 1000镇街（读取并相加）", n, ours, base, "一次普通查询读取", "≤ 3× 基线", ours <= 3 * base)
    base, ours = paired_ms(_plain_read(big.path, "2025"), lambda: district_summary(big, "2025", checks=False), 1)
    report("汇总 1000镇街（相加+审核汇总表）", n, ours, base, "一次普通查询读取")
    base, ours = paired_ms(_plain_read(big.path, "2025"), lambda: district_summary(big, "2025"), 1)
    report("汇总 1000镇街（另含Σ核对，逐镇街计算）", n, ours, base, "一次普通查询读取")
    big.close()


def bench_view(folder: Path) -> None:
    from PySide6.QtWidgets import QApplication, QLabel

    from district.progress_data import progress_report
    from ui.progress_view import ProgressView

    app = QApplication.instance() or QApplication([])
    (folder / "view").mkdir()
    ws = _database(folder / "view", 0)
    data = progress_report(ws)
    row = next(i for i, item in enumerate(data.items) if item.target.id == "cod_projects")

    def view() -> None:
        widget = ProgressView(data)
        widget.resize(1366, 720)
        widget.show()
        widget.targets.setCurrentRow(row)
        widget.grab()
        widget.close()
        widget.deleteLater()
        app.processEvents()

    def plain() -> None:
        widget = QLabel("规划目标进度")
        widget.resize(1366, 720)
        widget.show()
        widget.grab()
        widget.close()
        widget.deleteLater()
        app.processEvents()

    base, ours = paired_ms(plain, view, 7)
    report("规划目标进度视图绘制", len(data.items), ours, base, "绘制一个普通窗口", "< 200 ms", ours < 200)
    base, ours = paired_ms(lambda: None, lambda: progress_report(ws), 5)
    report("规划目标进度数据（3年）", len(data.items), ours, base, "（无）")
    ws.close()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        bench_summary(Path(tmp))
        bench_view(Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
