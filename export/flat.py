"""The list/summary export for people's own use: every stored report as one flat table
(镇街, 报告期, 表名, 行, 栏目, 数值, 计量单位) in .xlsx or .csv, inputs and computed cells alike.

Written through ``export.atomic`` (complete or absent); the .xlsx rows go through the
submission's fast writer (``export.xlsx_writer``) as finished row XML. Text that begins with = + - @ stays text:
in .xlsx it is stored as a string with Excel's quote prefix; in .csv (UTF-8 with BOM so Excel
shows the Chinese) it is preceded by an apostrophe, because a CSV has no cell types.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from export.atomic import atomic_write
from export.errors import ExportError
from forms.compute import compute_form
from forms.periods import period_label
from forms.values import clean_text

if TYPE_CHECKING:
    from storage.workspace import Workspace

__all__ = ["FLAT_HEADER", "flat_rows", "export_flat"]

FLAT_HEADER = ("镇街", "统计代码", "报告期", "表号", "表名", "行", "栏目", "数值", "计量单位")
_RISKY = ("=", "+", "-", "@", "\t", "\r")


def flat_rows(workspace: Workspace, township_id: int | None = None, period: str | None = None) -> list[tuple[Any, ...]]:
    """One row per non-empty cell of every matching report, in catalogue and print order."""
    rows: list[tuple[Any, ...]] = []
    order = {f.key: i for i, f in enumerate(workspace.catalogue)}
    for town in workspace.townships():
        if township_id is not None and town.id != township_id:
            continue
        periods = [period] if period else workspace.store.periods(town.id)
        for per in periods:
            reports = sorted(workspace.store.reports_for(town.id, per), key=lambda r: order.get(r.form_key, 999))
            for report in reports:
                try:
                    form = workspace.form(report.form_key)
                except KeyError:
                    continue
                data = workspace.store.load(report.id)
                computed = compute_form(form, data.values, data.list_rows, workspace.context(per))
                for table in form.tables:
                    keys = [r.key for r in table.rows] if table.kind == "grid" else data.list_rows.get(table.key, [])
                    for n, key in enumerate(keys, start=1):
                        spec = table.row(key) if table.kind == "grid" else None
                        label = spec.label if spec else f"第{n}行"
                        for col in table.columns:
                            value = computed.get(table.key, key, col.key)
                            if value is None or value == "":
                                continue
                            unit = col.unit or (spec.unit if spec else "")
                            rows.append((town.name, town.stat_code or "", period_label(per), form.code, form.name,
                                         label, col.label, value, unit))
    return rows


def _csv_text(value: Any) -> Any:
    if isinstance(value, str):
        value = clean_text(value)  # text stored by an older version may hold control characters
        if value.startswith(_RISKY):
            return "'" + value
    return value


def export_flat(workspace: Workspace, out_path: Path, *, township_id: int | None = None,
                period: str | None = None) -> int:
    """Write the flat table to ``out_path`` (.xlsx or .csv); returns the number of data rows."""
    out_path = Path(out_path)
    suffix = out_path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ExportError(f"清单导出的文件须以 .xlsx 或 .csv 结尾：{out_path.name}")
    rows = flat_rows(workspace, township_id, period)
    if suffix == ".csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(FLAT_HEADER)
        writer.writerows([_csv_text(v) for v in row] for row in rows)
        data = ("\ufeff" + text.getvalue()).encode("utf-8")
        atomic_write(out_path, lambda fh: fh.write(data))
        return len(rows)

    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Font

    from export.cell_values import QUOTED, as_written, put
    from export.xlsx_writer import column_letters, empty_cell, number_cell, raw_rows, save_workbook, style_id, text_cell

    wb = Workbook()
    ws = wb.active
    ws.title = "清单"
    for i, head in enumerate(FLAT_HEADER, start=1):
        cell = ws.cell(1, i)
        put(cell, head)
        cell.font = Font(bold=True)
    quoted = Cell(ws)
    quoted.quotePrefix = True
    quote_style = style_id(wb, quoted._style)  # text beginning with = + - @ stays text, as put keeps it
    letters = column_letters(len(FLAT_HEADER))
    out = raw_rows(ws)  # the rows as text through the fast writer (export.xlsx_writer), not openpyxl cells
    for r, row in enumerate(rows, start=2):
        cells = []
        for i, raw in enumerate(row, start=1):
            value = as_written(raw)  # what a worksheet can hold, as the submission writes it
            ref = f"{letters[i]}{r}"
            if value is None:
                cells.append(empty_cell(ref, 0))
            elif isinstance(value, str):
                cells.append(text_cell(ref, quote_style if value[:1] in QUOTED else 0, value))
            else:
                cells.append(number_cell(ref, 0, value))
        out.add(r, cells, 1, len(FLAT_HEADER))
    for letter, width in zip("ABCDEFGHI", (16, 14, 10, 12, 24, 16, 24, 14, 16)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:I{len(rows) + 1}"
    atomic_write(out_path, lambda fh: save_workbook(wb, fh))
    return len(rows)
