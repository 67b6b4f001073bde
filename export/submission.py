"""The submission workbook: one township, one period, every form, in the printed layout of
Chinese statistical reports, refused while 审核 still has 错误 or unexplained 警告.

The layout of each form sheet is ``export.form_sheet``'s, the 审核说明 sheet ``export.notes_sheet``'s and
the refusal ``export.export_gate``'s; this module puts them together with the hidden sheets.

Sheet 审核说明 lists every exported 警告 with its 说明. Hidden ``_meta`` (row 1 ``key``/``value``,
then one key per row) and ``_cells`` (row 1 = ``CELLS_HEADER``, then one record per table body
row: sheet, first cell, form_key, table_key, row_key, the column keys by position, form_version,
the kinds by position and the 说明 by position; format 3, see ``export.file_format``) let the
district's import read the file without guessing. ``sha256`` in ``_meta`` is
``export.checksum.map_checksum`` over the file's identity (kind, township, period, forms), the
whole cell map and every value (read from the mapped cell) and 说明 exactly as written;
``cell_count`` is how many cells it covers (those with a value or a 说明). The workbook is written
as finished XML (``export.book_part``), not through openpyxl's cells, styles and ranges: those
were most of the export's time, at 5,000 list rows and at the demo size alike. Empty text reads back as an empty cell (None). Numbers are
stored as openpyxl writes them (16 significant digits), so the checksum is taken after that
rounding. Nothing here imports Qt.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from export.atomic import atomic_write
from export.book_part import Book
from export.cell_values import as_written
from export.checksum import FileIdentity, MapRecord, map_checksum
from export.errors import ExportError
from export.export_gate import ExportBlocked, reports_to_export, select_forms
from export.file_format import (
    CELLS_HEADER,
    CELLS_SHEET,
    FORMAT,
    FORMAT_VERSION,
    META_SHEET,
    NO_DATA_META,
    NOTES_SHEET,
    RESERVED_SHEETS,
    TEMPLATE_FORMAT,
    unique_sheet_name,
)
from export.form_sheet import BLOCKED_TEXT, FormSheet, SheetReport, Written
from export.notes_sheet import notes_sheet
from export.sheet_part import Sheet
from export.xlsx_writer import column_letters, number_cell, text_cell
from forms.periods import period_label
from forms.spec import FormSpec
from forms.validation import ValidationResult

if TYPE_CHECKING:
    from openpyxl import Workbook

    from security.keys import DistrictPublic, Signer
    from storage.database import ReportData, Township
    from storage.workspace import Workspace


__all__ = ["export_submission", "export_template", "build_workbook", "TEMPLATE_FORMAT", "ExportResult", "ExportBlocked",
           "FORMAT", "FORMAT_VERSION", "META_SHEET", "CELLS_SHEET", "NOTES_SHEET", "CELLS_HEADER", "BLOCKED_TEXT",
           "SheetReport"]

TEMPLATE_LIST_ROWS = 20  # blank numbered rows a template offers per list table


@dataclass(frozen=True)
class ExportResult:
    """What was written: the file, its value checksum, the forms in it and how many 警告 it carries."""

    path: Path
    sha256: str
    form_keys: tuple[str, ...]
    warning_count: int
    sealed: Path | None = None  # the sealed copy (镇街_报告期.jnjp) when one was written
    signed: bool = False
    office_copy: Path | None = None  # the password-protected copy (X_加密.xlsx) when one was written
    archived: bool = False  # r1: ``path`` is the records copy in 报送存档 beside the database (only the sealed file travels)

    @property
    def carried(self) -> Path:
        """The file that leaves the office: the sealed one when the readable workbook was archived."""
        return self.sealed if self.archived and self.sealed is not None else self.path


# -- public entry point --------------------------------------------------------------------------

def export_submission(workspace: Workspace, township_id: int, period: str, out_path: Path, *,
                      form_keys: Sequence[str] | None = None, now: _dt.datetime | None = None,
                      signer: Signer | None = None, seal_to: DistrictPublic | None = None,
                      office_password: str | None = None) -> ExportResult:
    """Validate, then write the submission workbook atomically and mark the reports 已导出.

    ``signer``: the township's unlocked key; the workbook then carries its signature
    (``security.signing``). ``seal_to``: the district's public key; the sealed copy
    ``镇街_报告期.jnjp`` is written beside the workbook (``security.sealed``). ``office_password``:
    also a copy Excel/WPS open with that password, ``X_加密.xlsx`` (``security.office``).

    r1: an ``out_path`` ending in ``.jnjp`` carries the sealed file only (the default when a district
    key is pinned): it is written there, and the readable workbook goes to the township's records,
    ``<database folder>/报送存档/<镇街>_<报告期>_<时间>.xlsx`` (``ExportResult.path``, ``archived``),
    so a lost USB drive holds nothing readable. It needs ``seal_to`` (ExportError otherwise).

    Raises ExportBlocked (nothing written) while a form is unfilled, an 错误 remains or a 警告 has
    no acceptable 说明; ExportError when the file cannot be written.
    """
    from storage.database import StorageError

    now = now or _dt.datetime.now()
    out_path = Path(out_path)
    sealed_only = carries_sealed_only(out_path)
    if sealed_only and seal_to is None:
        raise ExportError("本数据库还没有区公钥（未导入区里的密钥或任务参数），不能写密封报送文件（.jnjp）；"
                          "请导出为 Excel 工作簿（.xlsx）")
    try:
        township = workspace.township(township_id)
    except StorageError as exc:
        raise ExportError(str(exc)) from None
    reports = reports_to_export(workspace, township_id, period, select_forms(workspace, period, form_keys))

    workbook, sha256 = _build_workbook(reports, township, period, now, signer=signer,
                                       package=getattr(workspace, "task_package", ""))
    readable = archive_path(workspace.path, township, period, now) if sealed_only else out_path
    sealed, office_copy = _write_files(workbook, out_path, readable, township, period, signer, seal_to,
                                       office_password)
    try:
        for report in reports:
            workspace.mark_exported(report.data.report.id)
    except StorageError as exc:
        raise ExportError(f"文件已导出到 {out_path}，但无法在数据库中记录导出状态：{exc}") from None
    warnings = sum(r.result.count("警告") for r in reports)
    return ExportResult(readable, sha256, tuple(r.form.key for r in reports), warnings, sealed, signer is not None,
                        office_copy, sealed_only)


# -- s8: signed and sealed copies -------------------------------------------------------------------

def sealed_name(township: Township, period: str) -> str:
    """``镇街_报告期.jnjp``: the sealed copy's file name."""
    from security.sealed import SEALED_SUFFIX

    return f"{township.name}_{period}{SEALED_SUFFIX}"


ARCHIVE_FOLDER = "报送存档"


def carries_sealed_only(out_path: Path) -> bool:
    """r1: a ``.jnjp`` destination carries the sealed file only (the readable one is archived)."""
    from security.sealed import SEALED_SUFFIX

    return Path(out_path).suffix.lower() == SEALED_SUFFIX


def archive_folder(db_path: Path) -> Path:
    """The township's records of what it sent: ``报送存档`` beside the database."""
    return Path(db_path).parent / ARCHIVE_FOLDER


def archive_path(db_path: Path, township: Township, period: str, now: _dt.datetime) -> Path:
    """``报送存档/<镇街>_<报告期>_<时间>.xlsx``: one records copy per export, none overwritten."""
    folder = archive_folder(db_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"无法建立存档文件夹 {folder}：{exc.strerror or exc}，未导出") from None
    stem = f"{township.name}_{period}_{now:%Y%m%d-%H%M%S}"
    path, n = folder / f"{stem}.xlsx", 1
    while path.exists():  # two exports within one second
        n += 1
        path = folder / f"{stem}_{n}.xlsx"
    return path


def _write_files(workbook: Book, out_path: Path, readable: Path, township: Township, period: str,
                 signer: Signer | None, seal_to: DistrictPublic | None,
                 office_password: str | None) -> tuple[Path | None, Path | None]:
    """The readable workbook at ``readable``; its sealed copy (when ``seal_to`` is given) at
    ``out_path`` when that is a ``.jnjp``, else beside the workbook; its password-protected copy
    (when ``office_password`` is) beside ``out_path``. Each atomic. Returns (sealed, office)."""
    if seal_to is None and office_password is None:
        atomic_write(readable, workbook.write_xlsx)
        return None, None
    import io

    buffer = io.BytesIO()
    workbook.write_xlsx(buffer)
    data = buffer.getvalue()
    copies: list[tuple[Path, bytes]] = []
    sealed_path = office_path = None
    if seal_to is not None:
        from security.sealed import seal

        sealed_path = out_path if readable != out_path else out_path.with_name(sealed_name(township, period))
        copies.append((sealed_path, seal(data, readable.name, seal_to, signer)))
    if office_password is not None:
        from security.office import encrypt_workbook, office_copy_name

        office_path = out_path.with_name(office_copy_name(out_path.with_suffix(".xlsx").name))
        copies.append((office_path, encrypt_workbook(data, office_password)))
    atomic_write(readable, lambda fh: fh.write(data))
    for path, content in copies:
        atomic_write(path, lambda fh, content=content: fh.write(content))
    return sealed_path, office_path


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
            township = workspace.township(township_id)
        except StorageError as exc:
            raise ExportError(str(exc)) from None
    reports = []
    for form in select_forms(workspace, period, form_keys):
        rows = {t.key: [f"r{i}" for i in range(1, TEMPLATE_LIST_ROWS + 1)] for t in form.tables if t.kind == "list"}
        stamp = now.isoformat(timespec="seconds")
        data = ReportData(Report(0, township.id, form.key, form.version, period, "未填", stamp, stamp, None, None),
                          list_rows=rows)
        result = validate_report(form, {}, {}, rows, workspace.context(period))
        reports.append(SheetReport(form, data, result))
    workbook, _sha = _build_workbook(reports, township, period, now, blank=True)
    atomic_write(out_path, workbook.write_xlsx)
    return out_path


def build_workbook(reports: Sequence[tuple[FormSpec, ReportData, ValidationResult]], township: Township,
                   period: str, *, now: _dt.datetime | None = None) -> Workbook:
    """The submission layout for reports made elsewhere (the district 汇总, district/summary_export.py):
    nothing is validated or marked here; the caller adds its own sheets (openpyxl) and saves the workbook."""
    workbook, _sha = _build_workbook([SheetReport(*r) for r in reports], township, period, now or _dt.datetime.now())
    return workbook.to_openpyxl()


# -- workbook ------------------------------------------------------------------------------------------

def _build_workbook(reports: list[SheetReport], township: Township, period: str,
                    now: _dt.datetime, *, blank: bool = False, signer: Signer | None = None,
                    package: str = "") -> tuple[Book, str]:
    """The submission workbook; ``blank`` makes the template (input cells empty, unlocked, validated)."""
    from version import APP_NAME, VERSION, build_date

    book = Book()
    used_names: set[str] = set(RESERVED_SHEETS)
    written = Written()
    for report in reports:
        sheet = book.add_sheet(_sheet_name(report.form, used_names))
        FormSheet(sheet, report, township, period, now, written, blank=blank).write()

    identity = FileIdentity(TEMPLATE_FORMAT if blank else FORMAT, as_written(township.name) or "",
                            as_written(township.stat_code or "") or "", as_written(township.mca_code or "") or "",
                            period, ",".join(f"{r.form.key}@{r.form.version}" for r in reports))
    # the checksum covers the file's identity and its whole cell map (export.checksum, version 3)
    sha256 = map_checksum(identity, written.records, with_values=not blank)
    cell_count = sum(1 for record in written.records for value, note in zip(record.values, record.notes)
                     if value is not None or note)
    notes_sheet(book.add_sheet(NOTES_SHEET), reports, township, period)

    meta = book.add_sheet(META_SHEET, "hidden")
    rows: list[tuple[str, Any]] = [
        ("format", identity.format), ("format_version", FORMAT_VERSION), ("township_name", identity.township_name),
        ("township_stat_code", identity.township_stat_code), ("township_mca_code", identity.township_mca_code),
        ("period", period), ("forms", identity.forms),
        ("program_version", VERSION), ("build_date", build_date()), ("export_time", now.isoformat(timespec="seconds")),
        ("sha256", sha256), ("cell_count", cell_count)]
    declared = {r.form.key: r.no_data for r in reports if r.no_data}
    if declared:  # e6: the forms declared 本期无数据, with the reasons (read by export.submission_file)
        rows.append((NO_DATA_META, json.dumps(declared, ensure_ascii=False)))
    if package:  # s8: the installed 任务参数 package (with （本地修改） in local-edits mode)
        rows.append(("task_package", package))
    if signer is not None:  # s8: the township's signature over the checksum (security.signing)
        from security.signing import signature_rows

        rows += signature_rows(signer, sha256, now.isoformat(timespec="seconds"))
    for r, values in enumerate([("key", "value"), *rows], start=1):
        for i, v in enumerate(values, start=1):
            meta.put(r, i, v, border=False)
    meta.widths.update({1: 22, 2: 70})

    cells = book.add_sheet(CELLS_SHEET, "hidden")
    _cells_sheet(cells, written.records)
    meta.protected = cells.protected = True

    book.lock_structure = True  # hidden sheets stay hidden
    book.creator = f"{APP_NAME} {VERSION}"
    book.title = f"{township.name} {period_label(period)} 节能减排统计报表"
    book.created = now.replace(microsecond=0)
    return book, sha256


def _cells_sheet(out: Sheet, records: list[MapRecord]) -> None:
    """The hidden map: the header, then one row per record (format 3, ``export.file_format``)."""
    notes_at = len(CELLS_HEADER)  # the column (1-based) of the first position's 说明: the "notes" column
    letters = column_letters(notes_at + max((len(r.notes) for r in records), default=1))
    out.add_row(1, [text_cell(f"{letters[i]}1", 0, head) for i, head in enumerate(CELLS_HEADER, start=1)])
    for r, rec in enumerate(records, start=2):
        cells = [text_cell(f"A{r}", 0, rec.sheet), text_cell(f"B{r}", 0, rec.cell), text_cell(f"C{r}", 0, rec.form_key),
                 text_cell(f"D{r}", 0, rec.table_key), text_cell(f"E{r}", 0, rec.row_key),
                 text_cell(f"F{r}", 0, rec.columns), number_cell(f"G{r}", 0, rec.form_version),
                 text_cell(f"H{r}", 0, rec.kinds)]
        last = len(cells)
        for j, note in enumerate(rec.notes):
            if note:
                cells.append(text_cell(f"{letters[notes_at + j]}{r}", 0, note))
                last = notes_at + j
        out.add_row(r, cells, last)


def _sheet_name(form: FormSpec, used: set[str]) -> str:
    """The 表号 made a legal, unique Excel sheet name (the rule lives in export.file_format)."""
    return unique_sheet_name(form.code, form.key, used)


