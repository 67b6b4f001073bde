"""The 审核说明 sheet: every 警告 exported, with where it is (row label and column label, from the
finding's own fields, not its text taken apart), its cell address and the 说明 that explains it."""

from __future__ import annotations

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


def notes_sheet(ws: Worksheet, reports: list[SheetReport], township: Township, period: str,
                 written: Written) -> None:
    """审核说明: every 警告 exported, where it is and the 说明 that explains it."""
    heads = ("序号", "表名", "位置", "单元格", "审核内容", "规则", "说明")
    widths = (6, 24, 30, 14, 40, 8, 40)
    styles = written.styles
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    last = len(heads)
    cell = ws.cell(1, 1)
    put(cell, "审核说明")
    apply_style(styles, cell, TITLE_FONT, CENTER, None)
    merge_row(ws, 1, 1, last)
    cell = ws.cell(2, 1)
    put(cell, f"填报单位：{township.name}　报告期：{period_label(period)}　以下警告均已填写说明")
    apply_style(styles, cell, PLAIN, LEFT, None)
    merge_row(ws, 2, 1, last)
    for i, head in enumerate(heads, start=1):
        cell = ws.cell(3, i)
        put(cell, head)
        apply_style(styles, cell, BOLD, CENTER)
    r = 4
    for report in reports:
        for f in report.result.findings:
            if f.severity != "警告":
                continue
            location, text = f.location.removeprefix(f"《{f.form_name}》"), f.text
            note = report.data.notes.get(f.cell, "")
            address = written.address(f.form_key, f.table, f.row, f.col)
            for i, value in enumerate((r - 3, report.form.name, location, address, text, f.rule_id,
                                       clean_cell_text(note) or None), start=1):
                cell = ws.cell(r, i)
                put(cell, value)
                apply_style(styles, cell, PLAIN, CENTER if i in (1, 6) else LEFT_WRAP)
            r += 1
    if r == 4:
        cell = ws.cell(r, 1)
        put(cell, "本次导出的报表没有警告。")
        apply_style(styles, cell, PLAIN, LEFT, None)
        merge_row(ws, r, 1, last)
        r += 1
    print_setup(ws, last, r - 1, "3:3")
