"""A form as it prints: the text, style and place of every cell of its sheet, with the page plan
of ``export.print_layout``. The program's own printing (``ui.printing``) paints these pages; the
exported workbook (``export.form_sheet``) is written in the same layout (same rows, columns,
widths, heights and breaks: a test holds the two plans equal), so paper from the program and
paper from Excel look alike. No Qt here."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from export import print_layout as paper
from export.cell_values import clean_cell_text
from export.form_sheet import BLOCKED_TEXT, SheetReport, footer_text, table_heads
from export.layout import HEADING_ROWS, form_layout
from export.print_layout import PagePlan
from forms.periods import period_label
from forms.spec import DESCRIPTIVE_LETTERS
from forms.values import format_value

if TYPE_CHECKING:
    from storage.database import Township
    from storage.workspace import Workspace

__all__ = ["PrintedCell", "PrintedSheet", "printed_sheet", "printed_sheets"]


@dataclass(frozen=True)
class PrintedCell:
    first: int  # column (1-based); a merged cell spans first…last
    last: int
    text: str
    bold: bool = False
    size: float = 10.0  # points
    align: str = "left"  # left | center | right
    border: bool = True
    wrap: bool = False
    indent: int = 0


@dataclass
class PrintedSheet:
    """One form sheet: cells by row, heights (points) by row, and the page plan."""

    title: str  # the 表号 (the sheet's name)
    header_left: str
    header_right: str
    widths: list[float]
    rows: dict[int, list[PrintedCell]] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    plan: PagePlan | None = None

    def __post_init__(self) -> None:
        self.header_left, self.header_right = clean_cell_text(self.header_left), clean_cell_text(self.header_right)

    def add(self, row: int, cell: PrintedCell) -> None:
        """Place a cell; its text as the workbook holds it (no control characters)."""
        self.rows.setdefault(row, []).append(replace(cell, text=clean_cell_text(cell.text)))

    def pages(self) -> list[tuple[int, int]]:
        """(page across, page down) of every page that prints, down then across as Excel and
        LibreOffice number them: a page across whose own columns hold nothing on those rows (the
        second table of a form narrower than the first) is left out, as they leave it out."""
        assert self.plan is not None
        found = []
        for band, (first, last) in enumerate(self.plan.bands):
            for down, page in enumerate(self.plan.pages):
                if any(first <= cell.first <= last or (cell.first < first <= cell.last)
                       for r in range(page.first, page.last + 1) for cell in self.rows.get(r, ())):
                    found.append((band, down))
        return found


def printed_sheet(report: SheetReport, township: Township, period: str, now: _dt.datetime) -> PrintedSheet:
    """The printed layout of one report (values as the workbook's number formats show them)."""
    form, result = report.form, report.result
    layout = form_layout(form, result.computed.list_rows)
    ncols = max(max((3 if t.kind == "grid" else 1) + len(t.columns) for t in form.tables), 2)
    widths = paper.column_widths(form)[:ncols + 1]
    last = paper.first_page_width(widths, paper.repeat_columns(form))
    sheet = PrintedSheet(form.code, f"填报单位：{township.name}", f"报告期：{period_label(period)}", widths)
    sheet.add(1, PrintedCell(1, last, form.name, bold=True, size=16, align="center", border=False))
    sheet.heights[1] = paper.TITLE_ROW_PT
    right = max(1, last // 2 - 1) if last >= 6 else max(1, last // 2)
    split = last - right + 1
    for i, text in enumerate(paper.label_block(form)):
        sheet.add(2 + i, PrintedCell(split, last, text, border=False))
    sheet.add(5, PrintedCell(1, split - 1, f"填报单位：{township.name}", border=False))
    sheet.add(6, PrintedCell(1, split - 1, f"统计代码：{township.stat_code or '（统计代码待定）'}", border=False))
    sheet.add(HEADING_ROWS, PrintedCell(1, last, period_label(period), bold=True, align="center", border=False))
    for place in layout.tables:
        table = place.table
        if place.title_row is not None and table.title:
            sheet.add(place.title_row, PrintedCell(1, last, table.title, bold=True, border=False))
        heads, letters = table_heads(table)
        for i, (head, letter) in enumerate(zip(heads, letters), start=1):
            sheet.add(place.header_row, PrintedCell(i, i, head, bold=True, align="center", wrap=True))
            sheet.add(place.header_row + 1, PrintedCell(i, i, letter, align="center"))
        sheet.heights[place.header_row] = paper.header_height(heads, widths)
        first = len(DESCRIPTIVE_LETTERS) + 1 if table.kind == "grid" else 2
        for n, (row_key, r) in enumerate(place.body, start=1):
            spec = table.row(row_key) if table.kind == "grid" else None
            bold = spec is not None and spec.is_total
            if spec is not None:
                sheet.add(r, PrintedCell(1, 1, spec.label, bold=bold, indent=spec.indent))
                sheet.add(r, PrintedCell(2, 2, spec.unit, bold=bold, align="center"))
                sheet.add(r, PrintedCell(3, 3, spec.code, bold=bold, align="center"))
            else:
                sheet.add(r, PrintedCell(1, 1, str(n), align="center"))
            for j, col in enumerate(table.columns):
                if table.is_blocked(spec, col):
                    sheet.add(r, PrintedCell(first + j, first + j, BLOCKED_TEXT, bold=bold, align="center"))
                    continue
                value = None if report.data is None else result.computed.get(table.key, row_key, col.key)
                text = format_value(table.cell_column(spec, col), value, grouping=True)
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                align = "right" if number else ("left" if col.type == "text" else "center")
                sheet.add(r, PrintedCell(first + j, first + j, text, bold=bold, align=align,
                                         wrap=col.type == "text"))
    row = layout.last_row + 2
    total_width = sum(widths[1:last + 1])
    if form.notes:
        sheet.add(row, PrintedCell(1, last, "说明：", bold=True, border=False))
        row += 1
        for note in form.notes:
            sheet.add(row, PrintedCell(1, last, note, border=False, wrap=True))
            sheet.heights[row] = paper.text_height(note, total_width)
            row += 1
        row += 1
    footer = footer_text(township, now)
    sheet.add(row, PrintedCell(1, last, footer, border=False, wrap=True))
    sheet.heights[row] = paper.text_height(footer, total_width)
    sheet.plan = paper.sheet_plan(form, layout, widths, sheet.heights, row)
    return sheet


def printed_sheets(workspace: Workspace, township_id: int, period: str, form_keys: Sequence[str] | None = None,
                   now: _dt.datetime | None = None) -> list[PrintedSheet]:
    """The printed layout of the township's reports of ``period`` (every form of the period, or
    ``form_keys``), as stored and validated: a draft may be printed before it can be exported."""
    from export.export_gate import select_forms

    township = workspace.township(township_id)
    now = now or _dt.datetime.now()
    sheets = []
    for form in select_forms(workspace, period, form_keys):
        data = workspace.find_report_data(township_id, form.key, period)
        if data is None:
            continue
        sheets.append(printed_sheet(SheetReport(form, data, workspace.validate(data)), township, period, now))
    return sheets
