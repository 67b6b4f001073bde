"""The 审核说明 sheet: every 警告 exported, with where it is (form name, row label and column label,
from the finding's own fields, never a cell address or a rule code) and the 说明 that explains it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from export.cell_values import clean_cell_text
from export.form_sheet import BOLD, CENTER, LEFT, LEFT_WRAP, PLAIN, TITLE_FONT, SheetReport, print_setup
from export.print_layout import BODY_ROW_PT, TITLE_ROW_PT, TableSpan, plan_pages, text_height
from export.sheet_part import Sheet
from forms.periods import period_label

if TYPE_CHECKING:
    from storage.database import Township

HEADS = ("序号", "表名", "指标（行）", "栏目（列）", "审核内容", "说明")
WIDTHS = (5.0, 14.0, 18.0, 12.0, 34.0, 32.0)


def notes_sheet(sheet: Sheet, reports: list[SheetReport], township: Township, period: str) -> None:
    """审核说明: every 警告 exported, named as a reader of the paper copy knows it (the form's name,
    the row and the column by their labels), wrapped inside the cell borders."""
    widths = [0.0, *WIDTHS]
    sheet.widths.update(enumerate(WIDTHS, start=1))
    last = len(HEADS)
    heights = sheet.heights
    heights[1] = TITLE_ROW_PT
    sheet.put(1, 1, "审核说明", TITLE_FONT, CENTER, border=False)
    sheet.merge(1, 1, last)
    sheet.put(2, 1, f"填报单位：{township.name}　报告期：{period_label(period)}　以下警告均已填写说明", PLAIN, LEFT,
              border=False)
    sheet.merge(2, 1, last)
    for i, head in enumerate(HEADS, start=1):
        sheet.put(3, i, head, BOLD, CENTER)
    r = 4
    for report in reports:
        for f in report.result.findings:
            if f.severity != "警告":
                continue
            note = clean_cell_text(report.data.notes.get(f.cell, ""))
            row_name = f"第{f.row_number}行" + (f" {f.row_label}" if f.row_label else "")
            values = (r - 3, report.form.name, row_name, f.col_label, f.text, note or None)
            for i, value in enumerate(values, start=1):
                sheet.put(r, i, value, PLAIN, CENTER if i == 1 else LEFT_WRAP)
            heights[r] = max(text_height(str(v or ""), widths[i]) for i, v in enumerate(values, start=1))
            r += 1
    if r == 4:
        sheet.put(r, 1, "本次导出的报表没有警告。", PLAIN, LEFT, border=False)
        sheet.merge(r, 1, last)
        r += 1
    rows = [0.0] + [heights.get(i, BODY_ROW_PT) for i in range(1, r)]
    plan = plan_pages(widths, rows, [TableSpan(3, 3, r - 1)], 1)
    plan = replace(plan, title_rows=(3, 3), pages=tuple(replace(p, repeat=(3, 3) if p.repeat else None)
                                                         for p in plan.pages))
    print_setup(sheet, plan, f"填报单位：{township.name}", f"报告期：{period_label(period)}")
