"""The submission workbook: one township, one period, every form, in the printed layout of
Chinese statistical reports, refused while 审核 still has 错误 or unexplained 警告.

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

Sheet 审核说明 lists every exported 警告 with its 说明. Hidden ``_meta`` (row 1 ``key``/``value``,
then one key per row) and ``_cells`` (row 1 = ``CELLS_HEADER``, then one record per table body
row: sheet, first cell, form_key, table_key, row_key, the column keys by position, form_version,
the kinds by position and the 说明 by position; format 3, see ``export.file_format``) let the
district's import read the file without guessing. ``sha256`` in ``_meta`` is
``export.checksum.map_checksum`` over the file's identity (kind, township, period, forms), the
whole cell map and every value (read from the mapped cell) and 说明 exactly as written;
``cell_count`` is how many cells it covers (those with a value or a 说明). The table bodies and
the map are written as finished row XML (``export.xlsx_writer.raw_rows``), not as openpyxl cells:
at 5,000 list rows those were most of the export's time. Empty text reads back as an empty cell (None). Numbers are
stored as openpyxl writes them (16 significant digits), so the checksum is taken after that
rounding. Nothing here imports Qt.
"""

from __future__ import annotations

import datetime as _dt
import math
import unicodedata
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from export.atomic import atomic_write
from export.checksum import FileIdentity, MapRecord, map_checksum
from export.errors import ExportError
from export.file_format import (
    BLOCKED_LETTER,
    CELLS_HEADER,
    CELLS_SHEET,
    FORMAT,
    FORMAT_VERSION,
    KIND_LETTERS,
    META_SHEET,
    NOTES_SHEET,
    RESERVED_SHEETS,
    TEMPLATE_FORMAT,
    unique_sheet_name,
)
from export.layout import HEADING_ROWS, FormLayout, form_layout
from export.xlsx_writer import (
    RawRows,
    column_letters,
    empty_cell,
    number_cell,
    raw_rows,
    save_workbook,
    style_id,
    text_cell,
)
from forms.periods import PeriodError, period_label, period_type_of
from forms.spec import DESCRIPTIVE_LETTERS, ColumnSpec, FormSpec, RowSpec, TableSpec
from forms.validation import Finding, ValidationResult
from forms.values import MAX_TEXT_CHARS, clean_text

if TYPE_CHECKING:
    from storage.database import ReportData, Township
    from storage.workspace import Workspace

__all__ = ["export_submission", "export_template", "build_workbook", "TEMPLATE_FORMAT", "ExportResult", "ExportBlocked", "FORMAT", "FORMAT_VERSION",
           "META_SHEET", "CELLS_SHEET", "NOTES_SHEET", "CELLS_HEADER", "BLOCKED_TEXT"]

TEMPLATE_LIST_ROWS = 20  # blank numbered rows a template offers per list table
BLOCKED_TEXT = "—"
PENDING_APPROVAL = "（待填）"
MAX_LISTED_FINDINGS = 10

_FONT_NAME = "宋体"
_TITLE_FONT = Font(name=_FONT_NAME, size=16, bold=True)
_BOLD = Font(name=_FONT_NAME, size=10, bold=True)
_PLAIN = Font(name=_FONT_NAME, size=10)
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center")
_LEFT_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)
_RIGHT = Alignment(horizontal="right", vertical="center")
_UNLOCKED = Protection(locked=False)


@cache
def _label_alignment(indent: int) -> Alignment:
    """Row labels indented by level; one object per level so the style cache can key on it."""
    return Alignment(horizontal="left", vertical="center", indent=indent)
_LANDSCAPE_WIDTH = 95  # total column width (characters) beyond which A4 portrait gets cramped


@dataclass(frozen=True)
class ExportResult:
    """What was written: the file, its value checksum, the forms in it and how many 警告 it carries."""

    path: Path
    sha256: str
    form_keys: tuple[str, ...]
    warning_count: int


class ExportBlocked(ExportError):
    """Export refused: forms not filled in, 错误 left, or 警告 without an acceptable 说明.

    ``findings`` are the blocking findings, ``problems`` the other reasons (Chinese sentences).
    """

    def __init__(self, message: str, findings: list[Finding], problems: list[str]) -> None:
        super().__init__(message)
        self.findings = findings
        self.problems = problems


@dataclass
class _Report:
    form: FormSpec
    data: ReportData
    result: ValidationResult


@dataclass
class _Written:
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


# -- public entry point --------------------------------------------------------------------------

def export_submission(workspace: Workspace, township_id: int, period: str, out_path: Path, *,
                      form_keys: Sequence[str] | None = None, now: _dt.datetime | None = None) -> ExportResult:
    """Validate, then write the submission workbook atomically and mark the reports 已导出.

    Raises ExportBlocked (nothing written) while a form is unfilled, an 错误 remains or a 警告 has
    no acceptable 说明; ExportError when the file cannot be written.
    """
    from storage.database import StorageError

    now = now or _dt.datetime.now()
    out_path = Path(out_path)
    try:
        township = workspace.store.township(township_id)
    except StorageError as exc:
        raise ExportError(str(exc)) from None
    forms = _select_forms(workspace, period, form_keys)

    reports: list[_Report] = []
    problems: list[str] = []
    blocking: list[Finding] = []
    for form in forms:
        data = workspace.find_report_data(township_id, form.key, period)
        if data is None or not data.has_input:
            problems.append(f"《{form.name}》尚未填报")
            continue
        result = workspace.validate(data)
        blocking.extend(result.blocking)
        reports.append(_Report(form, data, result))
    if problems or blocking:
        raise ExportBlocked(_blocked_message(problems, blocking), blocking, problems)

    workbook, sha256 = _build_workbook(reports, township, period, now)
    atomic_write(out_path, lambda fh: save_workbook(workbook, fh))
    try:
        for report in reports:
            workspace.mark_exported(report.data.report.id)
    except StorageError as exc:
        raise ExportError(f"文件已导出到 {out_path}，但无法在数据库中记录导出状态：{exc}") from None
    warnings = sum(r.result.count("警告") for r in reports)
    return ExportResult(out_path, sha256, tuple(r.form.key for r in reports), warnings)


def export_template(workspace: Workspace, period: str, out_path: Path, *, township_id: int | None = None,
                    form_keys: Sequence[str] | None = None, now: _dt.datetime | None = None) -> Path:
    """The blank template: the submission layout with input cells empty, unlocked and validated,
    for staff who fill in Excel; its hidden sheets let the import find every cell again."""
    from forms.validation import validate_report
    from storage.database import Report, ReportData, StorageError
    from storage.database import Township as _Township

    now = now or _dt.datetime.now()
    out_path = Path(out_path)
    if township_id is None:
        township = _Township(0, None, None, "", "", False)
    else:
        try:
            township = workspace.store.township(township_id)
        except StorageError as exc:
            raise ExportError(str(exc)) from None
    reports = []
    for form in _select_forms(workspace, period, form_keys):
        rows = {t.key: [f"r{i}" for i in range(1, TEMPLATE_LIST_ROWS + 1)] for t in form.tables if t.kind == "list"}
        stamp = now.isoformat(timespec="seconds")
        data = ReportData(Report(0, township.id, form.key, form.version, period, "未填", stamp, stamp, None, None),
                          list_rows=rows)
        result = validate_report(form, {}, {}, rows, workspace.context(period))
        reports.append(_Report(form, data, result))
    workbook, _sha = _build_workbook(reports, township, period, now, blank=True)
    atomic_write(out_path, lambda fh: save_workbook(workbook, fh))
    return out_path


def build_workbook(reports: Sequence[tuple[FormSpec, ReportData, ValidationResult]], township: Township,
                   period: str, *, now: _dt.datetime | None = None) -> Workbook:
    """The submission layout for reports made elsewhere (the district 汇总, district/summary_export.py):
    nothing is validated or marked here; the caller adds its own sheets and saves the workbook."""
    workbook, _sha = _build_workbook([_Report(*r) for r in reports], township, period, now or _dt.datetime.now())
    return workbook


def _select_forms(workspace: Workspace, period: str, form_keys: Sequence[str] | None) -> list[FormSpec]:
    try:
        kind = period_type_of(period)
    except PeriodError as exc:
        raise ExportError(str(exc)) from None
    if form_keys is None:
        forms = [f for f in workspace.catalogue if f.period_type == kind]
        if not forms:
            raise ExportError(f"没有{kind}类型的表式，报告期 {period} 与表式不符")
        return forms
    forms = []
    for key in form_keys:
        try:
            form = workspace.form(key)
        except KeyError:
            raise ExportError(f"没有表式 '{key}'") from None
        if form.period_type != kind:
            raise ExportError(f"《{form.name}》是{form.period_type}，与报告期 {period_label(period)}（{kind}）不符")
        if form not in forms:
            forms.append(form)
    if not forms:
        raise ExportError("没有选择要导出的表式")
    return forms


def _blocked_message(problems: list[str], findings: list[Finding]) -> str:
    lines = ["无法导出，请先处理以下问题："]
    lines += [f"· {p}" for p in problems]
    if findings:
        errors = sum(1 for f in findings if f.severity == "错误")
        warnings = len(findings) - errors
        lines.append(f"审核未通过：错误{errors}条须改正，警告{warnings}条须在单元格填写说明（不少于5个字，"
                     "不能只写“无误”）：")
        for i, f in enumerate(findings[:MAX_LISTED_FINDINGS], start=1):
            extra = "（缺少说明）" if f.severity == "警告" else ""
            lines.append(f"{i}. [{f.severity}] {f.message}{extra}")
        if len(findings) > MAX_LISTED_FINDINGS:
            lines.append(f"……另有{len(findings) - MAX_LISTED_FINDINGS}条未列出")
        lines.append(f"共{len(findings)}条")
    return "\n".join(lines)


# -- values as Excel holds them --------------------------------------------------------------------

def _clean_text(text: str) -> str:
    """What a worksheet can hold: no control characters, at most 32767 characters. Input is
    cleaned and refused beyond that already (``forms.values``); this keeps text stored by an older
    version (a township name pasted from Word) from failing every export."""
    return clean_text(ILLEGAL_CHARACTERS_RE.sub("", text))[:MAX_TEXT_CHARS]


_EXACT = 10**16


def _as_written(value: Any) -> Any:
    """The value exactly as it will read back from the file (openpyxl writes numbers as %.16g)."""
    kind = type(value)
    if kind is int and -_EXACT < value < _EXACT:
        return value  # %.16g gives every digit back
    if kind is str and value.isprintable() and len(value) <= MAX_TEXT_CHARS:
        return value or None  # nothing to clean (the common case, without the regexes)
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if kind is float and value.is_integer() and -_EXACT < value < _EXACT:
            return int(value)  # what "%.16g" reads back as, without the text
        text = f"{value:.16g}"
        return float(text) if ("." in text or "e" in text) else int(text)
    if isinstance(value, (_dt.date, _dt.datetime)):
        value = value.isoformat()[:10]
    text = _clean_text(str(value))
    return text or None


def _number_format(col: ColumnSpec) -> str:
    decimals = col.decimals if col.decimals is not None else (0 if col.type == "integer" else 2)
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
    if col.type == "percent" and not col.unit:
        fmt += '"%"'
    return fmt


_QUOTED = ("=", "+", "-", "@")  # text beginning so gets Excel's quote prefix: it stays text


def _put(cell: Cell, value: Any) -> None:
    """Store a value; text is always literal text (never a formula, never an error code) and
    holds no character a worksheet cannot (IllegalCharacterError)."""
    if isinstance(value, str):
        value = _clean_text(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value[:1] in ("=", "+", "-", "@"):
            cell.quotePrefix = True  # and Excel keeps it text if someone edits it


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines_needed(text: str, width: float) -> int:
    return max(1, math.ceil(_display_width(text) / max(width - 1, 1)))


# -- workbook ------------------------------------------------------------------------------------------

def _build_workbook(reports: list[_Report], township: Township, period: str,
                    now: _dt.datetime, *, blank: bool = False) -> tuple[Workbook, str]:
    """The submission workbook; ``blank`` makes the template (input cells empty, unlocked, validated).
    Save it with ``export.xlsx_writer.save_workbook``: the table bodies and the map are raw rows,
    which openpyxl's own ``Workbook.save`` does not know about."""
    from version import APP_NAME, VERSION, build_date

    wb = Workbook()
    wb.remove(wb.active)
    used_names: set[str] = set(RESERVED_SHEETS)
    written = _Written()
    for report in reports:
        ws = wb.create_sheet(_sheet_name(report.form, used_names))
        _FormSheet(ws, report, township, period, now, written, blank=blank).write()

    identity = FileIdentity(TEMPLATE_FORMAT if blank else FORMAT, _as_written(township.name) or "",
                            _as_written(township.stat_code or "") or "", _as_written(township.mca_code or "") or "",
                            period, ",".join(f"{r.form.key}@{r.form.version}" for r in reports))
    # the checksum covers the file's identity and its whole cell map (export.checksum, version 3)
    sha256 = map_checksum(identity, written.records, with_values=not blank)
    cell_count = sum(1 for record in written.records for value, note in zip(record.values, record.notes)
                     if value is not None or note)
    _notes_sheet(wb.create_sheet(NOTES_SHEET), reports, township, period, written)

    meta = wb.create_sheet(META_SHEET)
    rows: list[tuple[str, Any]] = [
        ("format", identity.format), ("format_version", FORMAT_VERSION), ("township_name", identity.township_name),
        ("township_stat_code", identity.township_stat_code), ("township_mca_code", identity.township_mca_code),
        ("period", period), ("forms", identity.forms),
        ("program_version", VERSION), ("build_date", build_date()), ("export_time", now.isoformat(timespec="seconds")),
        ("sha256", sha256), ("cell_count", cell_count)]
    for values in [("key", "value"), *rows]:
        meta.append([None] * len(values))
        for i, v in enumerate(values, start=1):
            _put(meta.cell(meta.max_row, i), v)
    meta.column_dimensions["A"].width = 22
    meta.column_dimensions["B"].width = 70

    cells = wb.create_sheet(CELLS_SHEET)
    _cells_sheet(raw_rows(cells), written.records)
    for sheet in (meta, cells):
        sheet.sheet_state = "hidden"
        sheet.protection.sheet = True

    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)  # hidden sheets stay hidden
    wb.properties.creator = f"{APP_NAME} {VERSION}"
    wb.properties.title = f"{township.name} {period_label(period)} 节能减排统计报表"
    wb.properties.created = now.replace(microsecond=0)
    return wb, sha256


def _cells_sheet(out: RawRows, records: list[MapRecord]) -> None:
    """The hidden map: the header, then one row per record (format 3, ``export.file_format``)."""
    notes_at = len(CELLS_HEADER)  # the column (1-based) of the first position's 说明: the "notes" column
    letters = column_letters(notes_at + max((len(r.notes) for r in records), default=1))
    out.add(1, [text_cell(f"{letters[i]}1", 0, head) for i, head in enumerate(CELLS_HEADER, start=1)], 1, notes_at)
    last = notes_at
    for r, rec in enumerate(records, start=2):
        cells = [text_cell(f"A{r}", 0, rec.sheet), text_cell(f"B{r}", 0, rec.cell), text_cell(f"C{r}", 0, rec.form_key),
                 text_cell(f"D{r}", 0, rec.table_key), text_cell(f"E{r}", 0, rec.row_key),
                 text_cell(f"F{r}", 0, rec.columns), number_cell(f"G{r}", 0, rec.form_version),
                 text_cell(f"H{r}", 0, rec.kinds)]
        for j, note in enumerate(rec.notes):
            if note:
                cells.append(text_cell(f"{letters[notes_at + j]}{r}", 0, note))
                last = max(last, notes_at + j)
        out.add(r, cells, 1, last)


def _sheet_name(form: FormSpec, used: set[str]) -> str:
    """The 表号 made a legal, unique Excel sheet name (the rule lives in export.file_format)."""
    return unique_sheet_name(form.code, form.key, used)


def _print_setup(ws: Worksheet, last_col: int, last_row: int, title_rows: str | None) -> None:
    total = sum(ws.column_dimensions[get_column_letter(c)].width or 9 for c in range(1, last_col + 1))
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if total > _LANDSCAPE_WIDTH else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.print_area = f"A1:{get_column_letter(last_col)}{max(last_row, 1)}"
    ws.protection.sheet = True


def _apply_style(cache: dict[tuple[Any, ...], Any], cell: Cell, font: Font, alignment: Alignment,
                 border: Border | None = _BORDER, number_format: str | None = None, locked: bool = True) -> None:
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
        cell.protection = _UNLOCKED
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


def _merge(ws: Worksheet, row: int, first: int, last: int) -> None:
    """Merge ``row``'s columns first…last. Only the range is recorded: openpyxl's ``merge_cells``
    also creates a placeholder cell for every covered cell and copies borders onto them, which
    cost a fifth of the export and wrote empty cells that Excel does not need (our merged cells
    have no borders)."""
    ws.merged_cells.add(MergedCellRange(ws, f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}"))


class _FormSheet:
    """Writes one form onto one worksheet, recording where every value went."""

    def __init__(self, ws: Worksheet, report: _Report, township: Township, period: str,
                 now: _dt.datetime, written: _Written, *, blank: bool = False) -> None:
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

    def _merged(self, row: int, first: int, last: int, value: Any, font: Font = _PLAIN,
                alignment: Alignment = _LEFT) -> Cell:
        cell = self.ws.cell(row, first)
        _put(cell, value)
        _apply_style(self.written.styles, cell, font, alignment, None)
        if last > first:
            _merge(self.ws, row, first, last)
        return cell

    def write(self) -> None:
        self._column_widths()
        self._heading()
        title_rows = None
        for place in self.layout.tables:
            self.row = place.title_row or place.header_row
            header = self._table(place.table, titled=place.title_row is not None)
            assert header == place.header_row and self.row == place.last_row + 1, "layout drifted"
            title_rows = title_rows or f"{header}:{header + 1}"
        self._notes_and_footer()
        _print_setup(self.ws, self.ncols, self.row - 1, title_rows)
        for validation in self.validations.values():
            self.ws.add_data_validation(validation)

    # layout pieces ---------------------------------------------------------------------------------
    def _column_widths(self) -> None:
        widths = [8.0] * (self.ncols + 1)
        for table in self.form.tables:
            if table.kind == "grid":
                label = max(_display_width(r.label) + 2 * r.indent for r in table.rows)
                widths[1] = max(widths[1], label + 3, _display_width(table.row_label) + 3, 12)
                widths[2] = max(widths[2], max(_display_width(r.unit) for r in table.rows) + 3, 10)
                widths[3] = max(widths[3], 6)
                first = 4
            else:
                widths[1] = max(widths[1], 6)
                first = 2
            for j, col in enumerate(table.columns):
                widths[first + j] = max(widths[first + j], col.width, 8)
        for c in range(1, self.ncols + 1):
            self.ws.column_dimensions[get_column_letter(c)].width = widths[c]

    def _heading(self) -> None:
        form, ws, last = self.form, self.ws, self.ncols
        self._merged(1, 1, last, form.name, _TITLE_FONT, _CENTER)
        ws.row_dimensions[1].height = 32
        right = max(1, last // 2 - 1) if last >= 6 else max(1, last // 2)
        split = last - right + 1  # first column of the label block
        labels = [f"表　　号：{form.code}", f"制定机关：{form.authority}",
                  f"批准(备案)机关：{form.approval_authority or PENDING_APPROVAL}",
                  f"批准(备案)文号：{form.approval_no or PENDING_APPROVAL}",
                  f"有效期至：{form.valid_until}"]
        for i, text in enumerate(labels):
            self._merged(2 + i, split, last, text)
        self._merged(5, 1, split - 1, f"填报单位：{self.township.name}")
        self._merged(6, 1, split - 1, f"统计代码：{self.township.stat_code or '（统计代码待定）'}")
        self._merged(HEADING_ROWS, 1, last, period_label(self.period), _BOLD, _CENTER)
        self.row = HEADING_ROWS + 1

    def _table(self, table: TableSpec, titled: bool) -> int:
        ws = self.ws
        if titled and table.title:
            self._merged(self.row, 1, self.ncols, table.title, _BOLD)
            self.row += 1
        header_row = self.row
        if table.kind == "grid":
            heads = [table.row_label, "计量单位", "代码"]
            letters = list(DESCRIPTIVE_LETTERS)
        else:
            heads, letters = ["序号"], [DESCRIPTIVE_LETTERS[0]]
        heads += [f"{c.label}（{c.unit}）" if c.unit else c.label for c in table.columns]
        letters += [str(c.number) for c in table.columns]
        lines = 1
        for i, (head, letter) in enumerate(zip(heads, letters), start=1):
            for r, text, font in ((header_row, head, _BOLD), (header_row + 1, letter, _PLAIN)):
                cell = ws.cell(r, i)
                _put(cell, text)
                self._style(cell, font, _CENTER)
            lines = max(lines, _lines_needed(head, ws.column_dimensions[get_column_letter(i)].width))
        ws.row_dimensions[header_row].height = 15 * lines + 6
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

    def _style(self, cell: Cell, font: Font, alignment: Alignment, border: Border | None = _BORDER,
               number_format: str | None = None, locked: bool = True) -> None:
        _apply_style(self.written.styles, cell, font, alignment, border, number_format, locked)

    def _style_id(self, font: Font, alignment: Alignment, border: Border | None = _BORDER,
                  number_format: str | None = None, locked: bool = True, quote: bool = False) -> int:
        """The workbook style index of a style combination (for raw cells), made once."""
        key = (id(font), id(alignment), id(border), number_format, locked, quote)
        sid = self.written.style_ids.get(key)
        if sid is None:
            cell = Cell(self.ws)
            _apply_style(self.written.styles, cell, font, alignment, border, number_format, locked)
            if quote:
                cell.quotePrefix = True
            sid = self.written.style_ids[key] = style_id(self.ws.parent, cell._style)
        return sid

    def _text_xml(self, ref: str, value: Any, font: Font, alignment: Alignment, locked: bool = True) -> str:
        """A descriptive or text cell as ``_put`` + ``_apply_style`` would write it."""
        if value is None:
            return empty_cell(ref, self._style_id(font, alignment, locked=locked))
        text = _clean_text(value)
        return text_cell(ref, self._style_id(font, alignment, locked=locked, quote=text[:1] in _QUOTED), text)

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
                cells.append((letter, None, False, "", self._style_id(font, _CENTER), 0, None))
                keys.append("")
                kinds.append(BLOCKED_LETTER)
                continue
            is_input = table.is_input(spec, col) if spec is not None else table.cell_formula(None, col) is None
            locked = not (self.blank and is_input)
            align = _LEFT_WRAP if col.type == "text" else _CENTER
            number_style = self._style_id(font, _RIGHT, number_format=_number_format(table.cell_column(spec, col)),
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
        font = _BOLD if spec.is_total else _PLAIN
        cells = [self._text_xml(f"{letters[i]}{r}", text or None, font, align)
                 for i, (text, align) in enumerate(((spec.label, _label_alignment(spec.indent)),
                                                    (spec.unit, _CENTER), (spec.code, _CENTER)), start=1)]
        self._body(table, spec, spec.key, len(DESCRIPTIVE_LETTERS) + 1, font, cells)
        self.row += 1

    def _list_row(self, table: TableSpec, row_key: str, number: int) -> None:
        cells = [number_cell(f"A{self.row}", self._style_id(_PLAIN, _CENTER), number)]
        self._body(table, None, row_key, 2, _PLAIN, cells)
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
                value = _as_written(get(table_key, row_key, col_key))
            values.append(value)
            kind = type(value)
            if kind is int:
                cells.append(f'<c r="{ref}"{number_attr} t="n"><v>{value}</v></c>')
            elif kind is float:
                cells.append(f'<c r="{ref}"{number_attr} t="n"><v>{value:.16g}</v></c>')
            elif value is None:
                cells.append(empty_cell(ref, text_style))
            else:
                cells.append(text_cell(ref, quoted_style if value[:1] in _QUOTED else text_style, value))
            if notes:
                raw_note = notes.get((table_key, row_key, col_key))
                if raw_note and (note := _clean_text(raw_note)):
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
        ws, last = self.ws, self.ncols
        total_width = sum(ws.column_dimensions[get_column_letter(c)].width for c in range(1, last + 1))
        self.row += 1
        if self.form.notes:
            self._merged(self.row, 1, last, "说明：", _BOLD)
            self.row += 1
            for note in self.form.notes:
                self._merged(self.row, 1, last, note, _PLAIN, _LEFT_WRAP)
                ws.row_dimensions[self.row].height = 14 * _lines_needed(note, total_width) + 4
                self.row += 1
            self.row += 1
        t, blank = self.township, "　　　　"
        date = f"{self.now.year}年{self.now.month:02d}月{self.now.day:02d}日"
        footer = (f"单位负责人：{t.unit_head or blank}　统计负责人：{t.stat_head or blank}　"
                  f"填表人：{t.filler or blank}　联系电话：{t.phone or blank}　报出日期：{date}")
        self._merged(self.row, 1, last, footer, _PLAIN, _LEFT_WRAP)
        ws.row_dimensions[self.row].height = 14 * _lines_needed(footer, total_width) + 4
        self.row += 1


def _split_message(form: FormSpec, finding: Finding) -> tuple[str, str]:
    """A finding's full text as (location without the form name, what is wrong)."""
    message = finding.message.removeprefix(f"《{form.name}》")
    try:
        label = form.table(finding.table).column(finding.col).label
    except KeyError:
        return "", message
    marker = f" / {label}："
    at = message.find(marker)
    if at < 0:
        return "", message
    return message[:at + len(marker) - 1], message[at + len(marker):]


def _notes_sheet(ws: Worksheet, reports: list[_Report], township: Township, period: str,
                 written: _Written) -> None:
    """审核说明: every 警告 exported, where it is and the 说明 that explains it."""
    heads = ("序号", "表名", "位置", "单元格", "审核内容", "规则", "说明")
    widths = (6, 24, 30, 14, 40, 8, 40)
    styles = written.styles
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    last = len(heads)
    cell = ws.cell(1, 1)
    _put(cell, "审核说明")
    _apply_style(styles, cell, _TITLE_FONT, _CENTER, None)
    _merge(ws, 1, 1, last)
    cell = ws.cell(2, 1)
    _put(cell, f"填报单位：{township.name}　报告期：{period_label(period)}　以下警告均已填写说明")
    _apply_style(styles, cell, _PLAIN, _LEFT, None)
    _merge(ws, 2, 1, last)
    for i, head in enumerate(heads, start=1):
        cell = ws.cell(3, i)
        _put(cell, head)
        _apply_style(styles, cell, _BOLD, _CENTER)
    r = 4
    for report in reports:
        for f in report.result.findings:
            if f.severity != "警告":
                continue
            location, text = _split_message(report.form, f)
            note = report.data.notes.get(f.cell, "")
            address = written.address(f.form_key, f.table, f.row, f.col)
            for i, value in enumerate((r - 3, report.form.name, location, address, text, f.rule_id,
                                       _clean_text(note) or None), start=1):
                cell = ws.cell(r, i)
                _put(cell, value)
                _apply_style(styles, cell, _PLAIN, _CENTER if i in (1, 6) else _LEFT_WRAP)
            r += 1
    if r == 4:
        cell = ws.cell(r, 1)
        _put(cell, "本次导出的报表没有警告。")
        _apply_style(styles, cell, _PLAIN, _LEFT, None)
        _merge(ws, r, 1, last)
        r += 1
    _print_setup(ws, last, r - 1, "3:3")
