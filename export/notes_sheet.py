"""The 审核说明 sheet: every 警告 exported, with where it is (form name, row label and column label,
from the finding's own fields, never a cell address or a rule code) and the 说明 that explains it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from forms.periods import period_label

if TYPE_CHECKING:
    from storage.database import Township


from export.cell_values import clean_cell_text, put
from export.form_sheet import (
    BOLD,
    CENTER,
    LEFT,
    LEFT_WRAP,
    PLAIN,
    TITLE_FONT,
    SheetReport,
    Written,
    apply_style,
    merge_row,
    print_setup,
)
from export.print_layout import BODY_ROW_PT, TITLE_ROW_PT, TableSpan, plan_pages, text_height

HEADS = ("序号", "表名", "指标（行）", "栏目（列）", "审核内容", "说明")
WIDTHS = (5.0, 14.0, 18.0, 12.0, 34.0, 32.0)


def notes_sheet(ws: Worksheet, reports: list[SheetReport], township: Township, period: str,
                written: Written) -> None:
    """审核说明: every 警告 exported, named as a reader of the paper copy knows it (the form's name,
    the row and the column by their labels), wrapped inside the cell borders."""
    styles = written.styles
    widths = [0.0, *WIDTHS]
    for i, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    last = len(HEADS)
    heights: dict[int, float] = {1: TITLE_ROW_PT}
    cell = ws.cell(1, 1)
    put(cell, "审核说明")
    apply_style(styles, cell, TITLE_FONT, CENTER, None)
    merge_row(ws, 1, 1, last)
    cell = ws.cell(2, 1)
    put(cell, f"填报单位：{township.name}　报告期：{period_label(period)}　以下警告均已填写说明")
    apply_style(styles, cell, PLAIN, LEFT, None)
    merge_row(ws, 2, 1, last)
    for i, head in enumerate(HEADS, start=1):
        cell = ws.cell(3, i)
        put(cell, head)
        apply_style(styles, cell, BOLD, CENTER)
    r = 4
    for report in reports:
        for f in report.result.findings:
            if f.severity != "警告":
                continue
            note = clean_cell_text(report.data.notes.get(f.cell, ""))
            row_name = f"第{f.row_number}行" + (f" {f.row_label}" if f.row_label else "")
            values = (r - 3, report.form.name, row_name, f.col_label, f.text, note or None)
            for i, value in enumerate(values, start=1):
                cell = ws.cell(r, i)
                put(cell, value)
                apply_style(styles, cell, PLAIN, CENTER if i == 1 else LEFT_WRAP)
            heights[r] = max(text_height(str(v or ""), widths[i]) for i, v in enumerate(values, start=1))
            r += 1
    if r == 4:
        cell = ws.cell(r, 1)
        put(cell, "本次导出的报表没有警告。")
        apply_style(styles, cell, PLAIN, LEFT, None)
        merge_row(ws, r, 1, last)
        r += 1
    for row, points in heights.items():
        ws.row_dimensions[row].height = points
    rows = [0.0] + [heights.get(i, BODY_ROW_PT) for i in range(1, r)]
    plan = plan_pages(widths, rows, [TableSpan(3, 3, r - 1)], 1)
    plan = replace(plan, title_rows=(3, 3), pages=tuple(replace(p, repeat=(3, 3) if p.repeat else None)
                                                         for p in plan.pages))
    print_setup(ws, plan, f"填报单位：{township.name}", f"报告期：{period_label(period)}")
