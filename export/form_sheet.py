"""One form written onto one worksheet in the printed layout of Chinese statistical reports
(label block, header and letter rows, table bodies, notes and the signature footer), recording
where every value went (``Written``: the map and the style caches the workbook needs).

Built only from the form specs (no hand-drawn template), so a new or changed form exports
without touching this code. Layout of a form sheet (named by its 表号)::

    row 1      表名 (merged, bold, larger)
    rows 2-6   right: 表号 / 制定机关 / 批准(备案)机关 / 批准(备案)文号 / 有效期至
    rows 5-6   left:  填报单位：… / 统计代码：…
    row 7      报告期 (centred, e.g. "2025年")
    per table  [table title, only when the form has several tables]
               header row  (指标名称 | 计量单位 | 代码 | column labels with units)
               letter row  (甲 | 乙 | 丙 | 1 | 2 | …)
               body rows   (grid: label, unit, code, values; list: 序号, values)
               one blank row between tables
    then       blank row, "说明：" and the form's notes, blank row, the signature footer
"""

from __future__ import annotations

import datetime as _dt
from copy import copy
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from export.checksum import MapRecord
from export.file_format import (
    BLOCKED_LETTER,
    KIND_LETTERS,
)
from export.layout import HEADING_ROWS, FormLayout, form_layout
from export.print_layout import (
    PENDING_APPROVAL,
    TITLE_ROW_PT,
    PagePlan,
    column_widths,
    first_page_width,
    header_height,
    label_block,
    repeat_columns,
    sheet_plan,
    text_height,
)
from export.xlsx_writer import (
    column_letters,
    empty_cell,
    number_cell,
    raw_rows,
    style_id,
    text_cell,
)
from forms.periods import period_label
from forms.spec import DESCRIPTIVE_LETTERS, ColumnSpec, FormSpec, RowSpec, TableSpec
from forms.validation import ValidationResult

if TYPE_CHECKING:
    from storage.database import ReportData, Township


from export.cell_values import QUOTED, as_written, clean_cell_text, number_format, put

BLOCKED_TEXT = "—"
NO_DATA_MARK = "本期无数据"  # e6: the mark of a form declared empty (storage/no_data.py)
__all__ = ["BLOCKED_TEXT", "PENDING_APPROVAL", "FormSheet", "SheetReport", "Written", "print_setup", "use_print_font", "apply_style",
           "merge_row", "table_heads", "footer_text", "NO_DATA_MARK"]

FONT_NAME = "宋体"
TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
BOLD = Font(name=FONT_NAME, size=10, bold=True)
PLAIN = Font(name=FONT_NAME, size=10)
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center")
LEFT_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
UNLOCKED = Protection(locked=False)


@cache
def label_alignment(indent: int) -> Alignment:
    """Row labels indented by level; one object per level so the style cache can key on it."""
    return Alignment(horizontal="left", vertical="center", indent=indent)

@dataclass
class SheetReport:
    form: FormSpec
    data: ReportData
    result: ValidationResult
    no_data: str = ""  # e6: the 本期无数据 reason when the form is declared empty for the period


@dataclass
class Written:
    """Everything recorded while writing the form sheets, for the checksum and the map."""

    records: list[MapRecord] = field(default_factory=list)  # the _cells map, with the values written
    places: dict[str, tuple[str, FormLayout]] = field(default_factory=dict)  # form key → (sheet, layout)
    styles: dict[tuple[Any, ...], Any] = field(default_factory=dict)  # style combination → openpyxl StyleArray
    style_ids: dict[tuple[Any, ...], int] = field(default_factory=dict)  # … → the workbook's style index

    def address(self, form_key: str, table: str, row: str, col: str) -> str:
        """"Sheet!D12" of a mapped cell; "" when the file does not hold it."""
        sheet, layout = self.places.get(form_key, ("", None))
        at = layout.cells.get((table, row, col)) if layout is not None else None
        return f"{sheet}!{get_column_letter(at[1])}{at[0]}" if at else ""


def use_print_font(workbook: Workbook) -> None:
    """Make 宋体 10 pt the workbook's default font (before any cell is styled): column widths are
    counted in digits of the default font, so the widths ``export.print_layout`` plans with mean
    about the same on paper in Excel, WPS and LibreOffice, and blank cells match the table text."""
    from openpyxl.styles import DEFAULT_FONT
    from openpyxl.utils.indexed_list import IndexedList

    if list(workbook._fonts) == [DEFAULT_FONT]:
        workbook._fonts = IndexedList([PLAIN])
        workbook._named_styles["Normal"].font = PLAIN


def print_setup(ws: Worksheet, plan: PagePlan, header_left: str, header_right: str) -> None:
    """The sheet's page setup from its print plan (``export.print_layout``): A4, the plan's
    orientation and scale (never fitted below 90 %), its breaks down (tables and the 说明 start a
    page rather than be cut), the repeated descriptive columns and (one range per sheet) header
    rows, 第 N 页 共 M 页 and who / when on every page. Pages across are left to the printing
    program (it knows its own font widths); the repeated columns go on each of them."""
    from openpyxl.worksheet.pagebreak import Break

    from export.print_layout import MARGINS_IN

    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = "landscape" if plan.landscape else "portrait"
    setup.scale = round(plan.scale * 100)
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    for side, inches in MARGINS_IN.items():
        setattr(ws.page_margins, side, inches)
    ws.print_options.horizontalCentered = True
    for row in plan.row_breaks:
        ws.row_breaks.append(Break(id=row))
    if plan.title_rows:
        ws.print_title_rows = f"{plan.title_rows[0]}:{plan.title_rows[1]}"
    if len(plan.bands) > 1:
        ws.print_title_cols = f"A:{get_column_letter(plan.repeat_columns)}"
    # header text: no control character (the XML could not hold it), "&" doubled (Excel's codes start with it)
    header_left, header_right = (clean_cell_text(t).replace("&", "&&") for t in (header_left, header_right))
    for page_header in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
        page_header.left.text, page_header.left.size = header_left, 10
        page_header.right.text, page_header.right.size = header_right, 10
    for page_footer in (ws.oddFooter, ws.evenFooter, ws.firstFooter):
        page_footer.center.text, page_footer.center.size = "第 &P 页 共 &N 页", 10
    last_col = len(plan.widths) - 1
    ws.print_area = f"A1:{get_column_letter(last_col)}{max(plan.pages[-1].last, 1)}"
    ws.protection.sheet = True


def table_heads(table: TableSpec) -> tuple[list[str], list[str]]:
    """A table's header texts and column letters (甲 乙 丙 1 2 …), as printed."""
    if table.kind == "grid":
        heads, letters = [table.row_label, "计量单位", "代码"], list(DESCRIPTIVE_LETTERS)
    else:
        heads, letters = ["序号"], [DESCRIPTIVE_LETTERS[0]]
    heads += [f"{c.label}（{c.unit}）" if c.unit else c.label for c in table.columns]
    letters += [str(c.number) for c in table.columns]
    return heads, letters


def footer_text(township: Township, now: _dt.datetime) -> str:
    """The signature line under a form."""
    t, blank = township, "　　　　"
    date = f"{now.year}年{now.month:02d}月{now.day:02d}日"
    return (f"单位负责人：{t.unit_head or blank}　统计负责人：{t.stat_head or blank}　"
            f"填表人：{t.filler or blank}　联系电话：{t.phone or blank}　报出日期：{date}")


def apply_style(cache: dict[tuple[Any, ...], Any], cell: Cell, font: Font, alignment: Alignment,
                 border: Border | None = BORDER, number_format: str | None = None, locked: bool = True) -> None:
    """Apply a style combination; repeats copy the first cell's style ids (openpyxl hashes every
    style object on each assignment, which made styling most of the export's time)."""
    key = (id(font), id(alignment), id(border), number_format, locked)
    cached = cache.get(key)
    if cached is not None:
        cell._style = copy(cached)
        return
    cell.font, cell.alignment = font, alignment
    if border is not None:
        cell.border = border
    if number_format is not None:
        cell.number_format = number_format
    if not locked:
        cell.protection = UNLOCKED
    cache[key] = copy(cell._style)


@dataclass(frozen=True)
class _RowPlan:
    """One body row's value cells as the export writes them: per position (column letter, column
    key or None when blocked, input?, number style attribute, text style, quoted text style, data
    validation), and its map record's ``columns``/``kinds`` and "no 说明" notes."""

    cells: tuple[tuple[Any, ...], ...]
    columns: str
    kinds: str
    no_notes: tuple[None, ...]


def merge_row(ws: Worksheet, row: int, first: int, last: int) -> None:
    """Merge ``row``'s columns first…last. Only the range is recorded: openpyxl's ``merge_cells``
    also creates a placeholder cell for every covered cell and copies borders onto them, which
    cost a fifth of the export and wrote empty cells that Excel does not need (our merged cells
    have no borders)."""
    ws.merged_cells.add(MergedCellRange(ws, f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}"))


class FormSheet:
    """Writes one form onto one worksheet, recording where every value went."""

    def __init__(self, ws: Worksheet, report: SheetReport, township: Township, period: str,
                 now: _dt.datetime, written: Written, *, blank: bool = False) -> None:
        self.blank = blank
        self.validations: dict[str, DataValidation] = {}
        self.ws, self.report, self.township, self.period, self.now = ws, report, township, period, now
        self.form = report.form
        self.written = written
        self.ncols = max(max(self._table_width(t) for t in self.form.tables), 2)
        self.layout = form_layout(self.form, report.result.computed.list_rows)
        written.places[self.form.key] = (ws.title, self.layout)
        self.raw = raw_rows(ws)
        self.letters = column_letters(self.ncols)
        self.plans: dict[tuple[str, int], _RowPlan] = {}  # list table → how its rows are written
        self.row = 1

    @staticmethod
    def _table_width(table: TableSpec) -> int:
        return (len(DESCRIPTIVE_LETTERS) if table.kind == "grid" else 1) + len(table.columns)

    def _merged(self, row: int, first: int, last: int, value: Any, font: Font = PLAIN,
                alignment: Alignment = LEFT) -> Cell:
        cell = self.ws.cell(row, first)
        put(cell, value)
        apply_style(self.written.styles, cell, font, alignment, None)
        if last > first:
            merge_row(self.ws, row, first, last)
        return cell

    def write(self) -> None:
        self._column_widths()
        self._heading()
        for place in self.layout.tables:
            self.row = place.title_row or place.header_row
            header = self._table(place.table, titled=place.title_row is not None)
            assert header == place.header_row and self.row == place.last_row + 1, "layout drifted"
        self._notes_and_footer()
        self.plan = sheet_plan(self.form, self.layout, self.widths, self.heights, self.row - 1)
        print_setup(self.ws, self.plan, f"填报单位：{self.township.name}", f"报告期：{period_label(self.period)}")
        for validation in self.validations.values():
            self.ws.add_data_validation(validation)

    # layout pieces ---------------------------------------------------------------------------------
    def _column_widths(self) -> None:
        """Widths from ``export.print_layout`` (the printed plan uses the same)."""
        self.widths = column_widths(self.form)[:self.ncols + 1]
        self.heights: dict[int, float] = {}
        self.print_last = first_page_width(self.widths, repeat_columns(self.form))  # text blocks stay on page 1 across
        for c in range(1, self.ncols + 1):
            self.ws.column_dimensions[get_column_letter(c)].width = self.widths[c]

    def _height(self, row: int, points: float) -> None:
        self.heights[row] = points
        self.ws.row_dimensions[row].height = points

    def _heading(self) -> None:
        form, last = self.form, self.print_last
        self._merged(1, 1, last, form.name, TITLE_FONT, CENTER)
        self._height(1, TITLE_ROW_PT)
        right = max(1, last // 2 - 1) if last >= 6 else max(1, last // 2)
        split = last - right + 1  # first column of the label block
        for i, text in enumerate(label_block(form)):
            self._merged(2 + i, split, last, text)
        self._merged(5, 1, split - 1, f"填报单位：{self.township.name}")
        self._merged(6, 1, split - 1, f"统计代码：{self.township.stat_code or '（统计代码待定）'}")
        self._merged(HEADING_ROWS, 1, last, period_label(self.period), BOLD, CENTER)
        self.row = HEADING_ROWS + 1

    def _table(self, table: TableSpec, titled: bool) -> int:
        ws = self.ws
        if titled and table.title:
            self._merged(self.row, 1, self.print_last, table.title, BOLD)
            self.row += 1
        header_row = self.row
        heads, letters = table_heads(table)
        for i, (head, letter) in enumerate(zip(heads, letters), start=1):
            for r, text, font in ((header_row, head, BOLD), (header_row + 1, letter, PLAIN)):
                cell = ws.cell(r, i)
                put(cell, text)
                self._style(cell, font, CENTER)
        self._height(header_row, header_height(heads, self.widths))
        self.row = header_row + 2
        if self.ws.freeze_panes is None:  # (a coordinate, not ws.cell: the body rows are raw rows)
            self.ws.freeze_panes = f"{get_column_letter(len(letters) - len(table.columns) + 1)}{self.row}"
        if table.kind == "grid":
            for spec in table.rows:
                self._grid_row(table, spec)
        else:
            for n, row_key in enumerate(self.report.result.computed.list_rows.get(table.key, []), start=1):
                self._list_row(table, row_key, n)
        return header_row

    def _style(self, cell: Cell, font: Font, alignment: Alignment, border: Border | None = BORDER,
               number_format: str | None = None, locked: bool = True) -> None:
        apply_style(self.written.styles, cell, font, alignment, border, number_format, locked)

    def _style_id(self, font: Font, alignment: Alignment, border: Border | None = BORDER,
                  number_format: str | None = None, locked: bool = True, quote: bool = False) -> int:
        """The workbook style index of a style combination (for raw cells), made once."""
        key = (id(font), id(alignment), id(border), number_format, locked, quote)
        sid = self.written.style_ids.get(key)
        if sid is None:
            cell = Cell(self.ws)
            apply_style(self.written.styles, cell, font, alignment, border, number_format, locked)
            if quote:
                cell.quotePrefix = True
            sid = self.written.style_ids[key] = style_id(self.ws.parent, cell._style)
        return sid

    def _text_xml(self, ref: str, value: Any, font: Font, alignment: Alignment, locked: bool = True) -> str:
        """A descriptive or text cell as ``put`` + ``apply_style`` would write it."""
        if value is None:
            return empty_cell(ref, self._style_id(font, alignment, locked=locked))
        text = clean_cell_text(value)
        return text_cell(ref, self._style_id(font, alignment, locked=locked, quote=text[:1] in QUOTED), text)

    def _plan(self, table: TableSpec, spec: RowSpec | None, font: Font, first: int) -> _RowPlan:
        """How one body row's value cells are written; a list table's rows all share one plan."""
        key = (table.key, id(font))
        if spec is None and key in self.plans:
            return self.plans[key]
        cells: list[tuple[Any, ...]] = []
        keys: list[str] = []
        kinds: list[str] = []
        for j, col in enumerate(table.columns):
            letter = self.letters[first + j]
            if table.is_blocked(spec, col):
                cells.append((letter, None, False, "", self._style_id(font, CENTER), 0, None))
                keys.append("")
                kinds.append(BLOCKED_LETTER)
                continue
            is_input = table.is_input(spec, col) if spec is not None else table.cell_formula(None, col) is None
            locked = not (self.blank and is_input)
            align = LEFT_WRAP if col.type == "text" else CENTER
            number_style = self._style_id(font, RIGHT, number_format=number_format(table.cell_column(spec, col)),
                                          locked=locked)
            cells.append((letter, col.key, is_input, f' s="{number_style}"' if number_style else "",
                          self._style_id(font, align, locked=locked),
                          self._style_id(font, align, locked=locked, quote=True),
                          self._validation(col) if self.blank and is_input else None))
            keys.append(col.key)
            kinds.append(KIND_LETTERS["input" if is_input else "computed"])
        plan = _RowPlan(tuple(cells), ",".join(keys), "".join(kinds), (None,) * len(cells))
        if spec is None:
            self.plans[key] = plan
        return plan

    def _grid_row(self, table: TableSpec, spec: RowSpec) -> None:
        r, letters = self.row, self.letters
        font = BOLD if spec.is_total else PLAIN
        cells = [self._text_xml(f"{letters[i]}{r}", text or None, font, align)
                 for i, (text, align) in enumerate(((spec.label, label_alignment(spec.indent)),
                                                    (spec.unit, CENTER), (spec.code, CENTER)), start=1)]
        self._body(table, spec, spec.key, len(DESCRIPTIVE_LETTERS) + 1, font, cells)
        self.row += 1

    def _list_row(self, table: TableSpec, row_key: str, number: int) -> None:
        cells = [number_cell(f"A{self.row}", self._style_id(PLAIN, CENTER), number)]
        self._body(table, None, row_key, 2, PLAIN, cells)
        self.row += 1

    def _body(self, table: TableSpec, spec: RowSpec | None, row_key: str, first: int, font: Font,
              cells: list[str]) -> None:
        """The value cells of one body row (after ``cells``, its descriptive cells) as a raw row,
        and its record in the map. The hot loop of a big export: numbers are written inline
        (``number_cell``'s text), everything else through the writer's functions."""
        row_text, blank, table_key = str(self.row), self.blank, table.key
        get = self.report.result.computed.get
        notes = self.report.data.notes
        plan = self._plan(table, spec, font, first)
        values: list[Any] = []
        row_notes: list[str | None] | tuple[None, ...] = plan.no_notes
        for j, (letter, col_key, is_input, number_attr, text_style, quoted_style, validation) in enumerate(plan.cells):
            ref = letter + row_text
            if col_key is None:  # blocked
                cells.append(text_cell(ref, text_style, BLOCKED_TEXT))
                values.append(None)
                continue
            if blank and is_input:
                value = None
                if validation is not None:
                    validation.add(ref)
            else:
                value = as_written(get(table_key, row_key, col_key))
            values.append(value)
            kind = type(value)
            if kind is int:
                cells.append(f'<c r="{ref}"{number_attr} t="n"><v>{value}</v></c>')
            elif kind is float:
                cells.append(f'<c r="{ref}"{number_attr} t="n"><v>{value:.16g}</v></c>')
            elif value is None:
                cells.append(empty_cell(ref, text_style))
            else:
                cells.append(text_cell(ref, quoted_style if value[:1] in QUOTED else text_style, value))
            if notes:
                raw_note = notes.get((table_key, row_key, col_key))
                if raw_note and (note := clean_cell_text(raw_note)):
                    self.raw.comment(ref, f"说明：{note}", "说明", 240, 90)
                    if row_notes is plan.no_notes:
                        row_notes = list(plan.no_notes)
                    row_notes[j] = note  # type: ignore[index]
        self.raw.add(self.row, cells, 1, first + len(values) - 1)
        self.written.records.append(MapRecord(self.ws.title, self.letters[first] + row_text, self.form.key,
                                              self.form.version, table_key, row_key, plan.columns, plan.kinds,
                                              values, row_notes))

    def _validation(self, col: ColumnSpec) -> DataValidation | None:
        """One data validation per column kind: numeric ranges and choice lists for Excel users."""
        key = f"{col.type}|{col.min}|{col.max}|{'|'.join(col.choices)}"
        if key in self.validations:
            return self.validations[key]
        if col.numeric:
            low = col.min if col.min is not None else -1e15
            high = col.max if col.max is not None else 1e15
            kind = "whole" if col.type == "integer" else "decimal"
            rng = f"（{low:g} ～ {high:g}）" if col.min is not None or col.max is not None else ""
            validation = DataValidation(type=kind, operator="between", formula1=f"{low:g}", formula2=f"{high:g}",
                                        allow_blank=True)
            validation.error = f"请填写{'整数' if kind == 'whole' else '数值'}{rng}，不要带“万”“千”等单位"
        elif col.type == "choice" and col.choices and len(",".join(col.choices)) <= 250:
            validation = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=True)
            validation.error = f"请从下拉列表中选择：{'、'.join(col.choices)}"
        else:
            return None
        validation.errorTitle = "填写有误"
        validation.showErrorMessage = True
        self.validations[key] = validation
        return validation

    def _notes_and_footer(self) -> None:
        last = self.print_last
        total_width = sum(self.widths[1:last + 1])
        self.row += 1
        if self.form.notes:
            self._merged(self.row, 1, last, "说明：", BOLD)
            self.row += 1
            for note in self.form.notes:
                self._merged(self.row, 1, last, note, PLAIN, LEFT_WRAP)
                self._height(self.row, text_height(note, total_width))
                self.row += 1
            self.row += 1
        if self.report.no_data:  # e6: a form declared empty says so above the footer
            self._merged(self.row, 1, last, f"{NO_DATA_MARK}（原因：{self.report.no_data}）", BOLD)
            self.row += 2
        footer = footer_text(self.township, self.now)
        self._merged(self.row, 1, last, footer, PLAIN, LEFT_WRAP)
        self._height(self.row, text_height(footer, total_width))
        self.row += 1


