"""One form written onto one worksheet in the printed layout of Chinese statistical reports
(label block, header and letter rows, table bodies, notes and the signature footer), recording
where every value went (``Written``: the map). The sheet is plain data (``export.sheet_part``):
cells as finished XML in the workbook's shared style table, no openpyxl objects.

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
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from openpyxl.utils import get_column_letter

from export.checksum import MapRecord
from export.file_format import (
    BLOCKED_LETTER,
    KIND_LETTERS,
)
from export.layout import HEADING_ROWS, FormLayout, form_layout
from export.print_layout import (
    MARGINS_IN,
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
from export.sheet_part import PageSetup, Sheet, Validation
from export.style_table import Align, Font
from export.xlsx_writer import (
    column_letters,
    empty_cell,
    number_cell,
    text_cell,
)
from forms.periods import period_label
from forms.spec import DESCRIPTIVE_LETTERS, ColumnSpec, FormSpec, RowSpec, TableSpec
from forms.validation import ValidationResult

if TYPE_CHECKING:
    from storage.database import ReportData, Township


from export.cell_values import QUOTED, as_written, clean_cell_text, number_format

BLOCKED_TEXT = "—"
NO_DATA_MARK = "本期无数据"  # e6: the mark of a form declared empty (storage/no_data.py)
__all__ = ["BLOCKED_TEXT", "PENDING_APPROVAL", "FormSheet", "SheetReport", "Written", "print_setup",
           "table_heads", "footer_text", "NO_DATA_MARK"]

TITLE_FONT = Font(16, bold=True)
BOLD = Font(10, bold=True)
PLAIN = Font(10)
CENTER = Align("center", wrap=True)
LEFT = Align("left")
LEFT_WRAP = Align("left", wrap=True)
RIGHT = Align("right")


@cache
def label_alignment(indent: int) -> Align:
    """Row labels indented by level."""
    return Align("left", indent=indent)


@dataclass
class SheetReport:
    form: FormSpec
    data: ReportData
    result: ValidationResult
    no_data: str = ""  # e6: the 本期无数据 reason when the form is declared empty for the period


@dataclass
class Written:
    """Where every value went while writing the form sheets, for the checksum and the map."""

    records: list[MapRecord] = field(default_factory=list)  # the _cells map, with the values written
    places: dict[str, tuple[str, FormLayout]] = field(default_factory=dict)  # form key → (sheet, layout)

    def address(self, form_key: str, table: str, row: str, col: str) -> str:
        """"Sheet!D12" of a mapped cell; "" when the file does not hold it."""
        sheet, layout = self.places.get(form_key, ("", None))
        at = layout.cells.get((table, row, col)) if layout is not None else None
        return f"{sheet}!{get_column_letter(at[1])}{at[0]}" if at else ""


def print_setup(sheet: Sheet, plan: PagePlan, header_left: str, header_right: str) -> None:
    """The sheet's page setup from its print plan (``export.print_layout``): A4, the plan's
    orientation and scale (never fitted below 90 %), its breaks down (tables and the 说明 start a
    page rather than be cut), the repeated descriptive columns and (one range per sheet) header
    rows, 第 N 页 共 M 页 and who / when on every page. Pages across are left to the printing
    program (it knows its own font widths); the repeated columns go on each of them."""
    # header text: no control character (the XML could not hold it), "&" doubled (Excel's codes start with it)
    header_left, header_right = (clean_cell_text(t).replace("&", "&&") for t in (header_left, header_right))
    sheet.page = PageSetup(plan.landscape, round(plan.scale * 100), dict(MARGINS_IN), plan.row_breaks,
                           plan.title_rows, plan.repeat_columns if len(plan.bands) > 1 else None,
                           (len(plan.widths) - 1, max(plan.pages[-1].last, 1)),
                           f"&L&10 {header_left}&R&10 {header_right}", "&C&10 第 &P 页 共 &N 页")
    sheet.protected = True


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


@dataclass(frozen=True)
class _RowPlan:
    """One body row's value cells as the export writes them: per position (column letter, column
    key or None when blocked, input?, number style attribute, text style, quoted text style, data
    validation), and its map record's ``columns``/``kinds`` and "no 说明" notes."""

    cells: tuple[tuple[Any, ...], ...]
    columns: str
    kinds: str
    no_notes: tuple[None, ...]


class FormSheet:
    """Writes one form onto one worksheet, recording where every value went."""

    def __init__(self, sheet: Sheet, report: SheetReport, township: Township, period: str,
                 now: _dt.datetime, written: Written, *, blank: bool = False) -> None:
        self.blank = blank
        self.validations: dict[str, Validation] = {}
        self.sheet, self.report, self.township, self.period, self.now = sheet, report, township, period, now
        self.styles = sheet.styles
        self.form = report.form
        self.written = written
        self.ncols = max(max(self._table_width(t) for t in self.form.tables), 2)
        self.layout = form_layout(self.form, report.result.computed.list_rows)
        written.places[self.form.key] = (sheet.title, self.layout)
        self.letters = column_letters(self.ncols)
        self.plans: dict[tuple[str, Font], _RowPlan] = {}  # list table → how its rows are written
        self.row = 1

    @staticmethod
    def _table_width(table: TableSpec) -> int:
        return (len(DESCRIPTIVE_LETTERS) if table.kind == "grid" else 1) + len(table.columns)

    def _merged(self, row: int, first: int, last: int, value: str, font: Font = PLAIN, alignment: Align = LEFT) -> None:
        self.sheet.put(row, first, value, font, alignment, border=False)
        self.sheet.merge(row, first, last)

    def write(self) -> None:
        self._column_widths()
        self._heading()
        for place in self.layout.tables:
            self.row = place.title_row or place.header_row
            header = self._table(place.table, titled=place.title_row is not None)
            assert header == place.header_row and self.row == place.last_row + 1, "layout drifted"
        self._notes_and_footer()
        self.plan = sheet_plan(self.form, self.layout, self.widths, self.heights, self.row - 1)
        print_setup(self.sheet, self.plan, f"填报单位：{self.township.name}", f"报告期：{period_label(self.period)}")
        self.sheet.validations.extend(self.validations.values())

    # layout pieces ---------------------------------------------------------------------------------
    def _column_widths(self) -> None:
        """Widths from ``export.print_layout`` (the printed plan uses the same)."""
        self.widths = column_widths(self.form)[:self.ncols + 1]
        self.heights = self.sheet.heights
        self.print_last = first_page_width(self.widths, repeat_columns(self.form))  # text blocks stay on page 1 across
        self.sheet.widths.update(enumerate(self.widths[1:], start=1))

    def _heading(self) -> None:
        form, last = self.form, self.print_last
        self._merged(1, 1, last, form.name, TITLE_FONT, CENTER)
        self.heights[1] = TITLE_ROW_PT
        right = max(1, last // 2 - 1) if last >= 6 else max(1, last // 2)
        split = last - right + 1  # first column of the label block
        for i, text in enumerate(label_block(form)):
            self._merged(2 + i, split, last, text)
        self._merged(5, 1, split - 1, f"填报单位：{self.township.name}")
        self._merged(6, 1, split - 1, f"统计代码：{self.township.stat_code or '（统计代码待定）'}")
        self._merged(HEADING_ROWS, 1, last, period_label(self.period), BOLD, CENTER)
        self.row = HEADING_ROWS + 1

    def _table(self, table: TableSpec, titled: bool) -> int:
        if titled and table.title:
            self._merged(self.row, 1, self.print_last, table.title, BOLD)
            self.row += 1
        header_row = self.row
        heads, letters = table_heads(table)
        for i, (head, letter) in enumerate(zip(heads, letters), start=1):
            self.sheet.put(header_row, i, head, BOLD, CENTER)
            self.sheet.put(header_row + 1, i, letter, PLAIN, CENTER)
        self.heights[header_row] = header_height(heads, self.widths)
        self.row = header_row + 2
        if self.sheet.freeze is None:
            self.sheet.freeze = (self.row, len(letters) - len(table.columns) + 1)
        if table.kind == "grid":
            for spec in table.rows:
                self._grid_row(table, spec)
        else:
            for n, row_key in enumerate(self.report.result.computed.list_rows.get(table.key, []), start=1):
                self._list_row(table, row_key, n)
        return header_row

    def _style_id(self, font: Font, alignment: Align, border: bool = True, number_format: str | None = None,
                  locked: bool = True, quote: bool = False) -> int:
        """The workbook style index of a style combination."""
        return self.styles.id(font, alignment, border, number_format, locked, quote)

    def _text_xml(self, ref: str, value: Any, font: Font, alignment: Align, locked: bool = True) -> str:
        """A descriptive or text cell as ``Sheet.put`` would write it."""
        if value is None:
            return empty_cell(ref, self._style_id(font, alignment, locked=locked))
        text = clean_cell_text(value)
        return text_cell(ref, self._style_id(font, alignment, locked=locked, quote=text[:1] in QUOTED), text)

    def _plan(self, table: TableSpec, spec: RowSpec | None, font: Font, first: int) -> _RowPlan:
        """How one body row's value cells are written; a list table's rows all share one plan."""
        key = (table.key, font)
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
        """The value cells of one body row (after ``cells``, its descriptive cells) as one row of XML,
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
                    self.sheet.comment(int(row_text), first + j, f"说明：{note}", "说明")
                    if row_notes is plan.no_notes:
                        row_notes = list(plan.no_notes)
                    row_notes[j] = note  # type: ignore[index]
        self.sheet.add_row(self.row, cells)
        self.written.records.append(MapRecord(self.sheet.title, self.letters[first] + row_text, self.form.key,
                                              self.form.version, table_key, row_key, plan.columns, plan.kinds,
                                              values, row_notes))

    def _validation(self, col: ColumnSpec) -> Validation | None:
        """One data validation per column kind: numeric ranges and choice lists for Excel users."""
        key = f"{col.type}|{col.min}|{col.max}|{'|'.join(col.choices)}"
        if key in self.validations:
            return self.validations[key]
        if col.numeric:
            low = col.min if col.min is not None else -1e15
            high = col.max if col.max is not None else 1e15
            kind = "whole" if col.type == "integer" else "decimal"
            rng = f"（{low:g} ～ {high:g}）" if col.min is not None or col.max is not None else ""
            validation = Validation(kind, f"{low:g}", f"{high:g}", "between",
                                    f"请填写{'整数' if kind == 'whole' else '数值'}{rng}，不要带“万”“千”等单位", "填写有误")
        elif col.type == "choice" and col.choices and len(",".join(col.choices)) <= 250:
            validation = Validation("list", '"' + ",".join(col.choices) + '"', None, None,
                                    f"请从下拉列表中选择：{'、'.join(col.choices)}", "填写有误")
        else:
            return None
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
                self.heights[self.row] = text_height(note, total_width)
                self.row += 1
            self.row += 1
        if self.report.no_data:  # e6: a form declared empty says so above the footer
            self._merged(self.row, 1, last, f"{NO_DATA_MARK}（原因：{self.report.no_data}）", BOLD)
            self.row += 2
        footer = footer_text(self.township, self.now)
        self._merged(self.row, 1, last, footer, PLAIN, LEFT_WRAP)
        self.heights[self.row] = text_height(footer, total_width)
        self.row += 1


