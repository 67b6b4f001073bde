"""The 反馈 workbook the district sends back (退回) to a township, and reading it back.

One visible sheet 反馈 lists each problem — form, row code and label, column, value, the finding,
the township's 说明 and the district's remark — and a hidden ``_feedback`` sheet says what the
file is (format ``jnjp-feedback``), for which township and period, and where each problem is in
the program's own keys, so the township program's 导入… recognises it and shows the remarks
beside its cells without changing any value. Read with the same safe reader as any import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from export.errors import ImportRefused

__all__ = ["FEEDBACK_FORMAT", "FEEDBACK_SHEET", "FEEDBACK_META", "FeedbackItem", "FeedbackFile", "write_feedback",
           "read_feedback", "is_feedback_book", "feedback_from_book"]

FEEDBACK_FORMAT = "jnjp-feedback"
FEEDBACK_SHEET = "反馈"
FEEDBACK_META = "_feedback"
HEADER = ("镇街", "表号", "行代码", "行名称", "栏目", "数值", "审核结果", "问题", "镇街说明", "区里意见")
KEYS_HEADER = ("row", "form_key", "table_key", "row_key", "col_key", "rule_id")
WIDTHS = (12, 11, 8, 26, 22, 14, 9, 60, 36, 36)


@dataclass(frozen=True)
class FeedbackItem:
    form_key: str
    form_code: str
    cell: tuple[str, str, str]
    rule_id: str
    row_code: str
    row_label: str
    col_label: str
    value: Any
    severity: str
    finding: str
    note: str = ""
    remark: str = ""


@dataclass
class FeedbackFile:
    path: Path
    township: str
    township_code: str
    period: str
    sent_at: str
    items: list[FeedbackItem] = field(default_factory=list)


def _shown(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN never reaches a cell
        return ""
    return value if isinstance(value, (int, float, str)) else str(value)


def write_feedback(path: Path, township: str, township_code: str, period: str, sent_at: str,
                   items: Sequence[FeedbackItem]) -> None:
    """Write the workbook atomically (temporary name, then renamed)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from export.atomic import atomic_write
    from export.xlsx_writer import save_workbook
    from forms.periods import period_label

    wb = Workbook()
    ws = wb.active
    ws.title = FEEDBACK_SHEET
    ws.append([f"{township} {period_label(period)} 审核反馈（区统计局 {sent_at}）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(HEADER))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for item in items:
        ws.append([township, item.form_code, item.row_code, item.row_label, item.col_label, _shown(item.value),
                   item.severity, item.finding, item.note, item.remark])
        for cell in ws[ws.max_row]:
            cell.alignment = wrap
    for i, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A3"
    meta = wb.create_sheet(FEEDBACK_META)
    meta.sheet_state = "hidden"
    for key, value in (("format", FEEDBACK_FORMAT), ("township", township), ("township_code", township_code),
                       ("period", period), ("sent_at", sent_at)):
        meta.append([key, value])
    meta.append(list(KEYS_HEADER))
    for n, item in enumerate(items, start=3):
        meta.append([n, item.form_key, *item.cell, item.rule_id])
    atomic_write(Path(path), lambda fh: save_workbook(wb, fh))


def is_feedback_book(book: Any) -> bool:
    """Whether a book read by ``export.reader.read_workbook`` is a 反馈 workbook."""
    if FEEDBACK_META not in book.grids:
        return False
    rows = book.rows(FEEDBACK_META)
    return bool(rows) and len(rows[0]) > 1 and rows[0][0] == "format" and rows[0][1] == FEEDBACK_FORMAT


def read_feedback(path: Path) -> FeedbackFile:
    """Read a 反馈 workbook; ImportRefused when it is not one (or is damaged)."""
    from export.reader import read_workbook

    path = Path(path)
    book = read_workbook(path)
    if not is_feedback_book(book):
        raise ImportRefused(f"文件 {path.name} 不是区里的审核反馈文件")
    return feedback_from_book(book, path)


def feedback_from_book(book: Any, path: Path) -> FeedbackFile:
    """The 反馈 workbook ``book`` (``is_feedback_book``) read at ``path``, as ``read_feedback`` reads it."""
    meta_rows = book.rows(FEEDBACK_META)
    meta = {str(r[0]): ("" if r[1] is None else str(r[1])) for r in meta_rows[:5] if len(r) > 1}
    keys = {}
    for r in meta_rows[6:]:
        if len(r) >= 6 and isinstance(r[0], (int, float)):
            keys[int(r[0])] = tuple("" if v is None else str(v) for v in r[1:6])
    result = FeedbackFile(path, meta.get("township", ""), meta.get("township_code", ""), meta.get("period", ""),
                          meta.get("sent_at", ""))
    sheet = book.rows(FEEDBACK_SHEET) if FEEDBACK_SHEET in book.grids else []
    for n, row in enumerate(sheet, start=1):
        if n < 3 or n not in keys:
            continue
        row = list(row) + [""] * (len(HEADER) - len(row))
        form_key, table, row_key, col, rule = keys[n]
        text = ["" if v is None else str(v) for v in row]
        value = None if row[5] in ("", None) else row[5]
        result.items.append(FeedbackItem(form_key, text[1], (table, row_key, col), rule, text[2], text[3], text[4],
                                         value, text[6], text[7], text[8], text[9]))
    return result
