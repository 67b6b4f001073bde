"""The 汇总 workbook: the township template (every form, label block, footer) filled with the
district's figures — 填报单位 永川区（汇总）, list tables with a 镇街 column — then one 对比表 per
form and a 汇总说明 sheet (scope, townships in it and missing, the 审核 of the 汇总).

The form sheets are drawn by export.submission (``build_workbook``), so they are the very layout
a township exports; this module only adds its own sheets. Written to a temporary name and renamed.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from district.comparison import Comparison, comparison
from district.summary import DISTRICT_NAME, DISTRICT_STAT_CODE, FormSummary, Summary
from export.atomic import atomic_write
from export.cell_values import clean_cell_text
from export.file_format import RESERVED_SHEETS, unique_sheet_name
from export.submission import build_workbook
from export.xlsx_writer import save_workbook
from forms.compute import ComputedForm
from forms.findings import ValidationResult
from forms.periods import period_label
from forms.spec import ColumnSpec, FormSpec

__all__ = ["write_summary_workbook", "TOWNSHIP_COLUMN", "COVERAGE_SHEET"]

TOWNSHIP_COLUMN = "_township"  # the 镇街 column added to list tables
COVERAGE_SHEET = "汇总说明"
# the submission's look (宋体, thin borders) for the sheets this module adds
_TITLE, _BOLD, _PLAIN = (Font(name="宋体", size=size, bold=bold) for size, bold in ((14, True), (10, True), (10, False)))
_BORDER = Border(**{side: Side(style="thin") for side in ("left", "right", "top", "bottom")})
_CENTER, _LEFT = (Alignment(horizontal=h, vertical="center", wrap_text=True) for h in ("center", "left"))


def _with_township_column(form: FormSpec) -> FormSpec:
    """The form with a 镇街 column at the end of each list table (its number after the last)."""
    tables = []
    for table in form.tables:
        if table.kind == "list":
            number = max((c.number for c in table.columns), default=0) + 1
            column = ColumnSpec(TOWNSHIP_COLUMN, "镇街", type="text", width=14, number=number)
            table = replace(table, columns=(*table.columns, column))
        tables.append(table)
    return replace(form, tables=tuple(tables))


def _district_report(summary: FormSummary, period: str, stamp: str) -> tuple[FormSpec, Any, ValidationResult]:
    """(form with 镇街 column, report data, result) as ``build_workbook`` takes them."""
    from storage.database import Report, ReportData

    aggregate = summary.aggregate
    values = dict(aggregate.values)
    computed = ComputedForm(dict(aggregate.computed.values), dict(aggregate.computed.errors),
                            dict(aggregate.computed.sources), {k: list(v) for k, v in aggregate.computed.list_rows.items()})
    for (table, row), township in aggregate.row_township.items():
        values[(table, row, TOWNSHIP_COLUMN)] = township
        computed.values[(table, row, TOWNSHIP_COLUMN)] = township
    form = summary.form
    report = Report(0, 0, form.key, form.version, period, "汇总", stamp, stamp, None, None)
    # findings go to the 汇总说明 sheet (the form's 审核说明 sheet is for explained township 警告)
    return _with_township_column(form), ReportData(report, values, {}, aggregate.list_rows), ValidationResult(computed, [])


def write_summary_workbook(summary: Summary, out_path: Path, *, now: _dt.datetime | None = None) -> Path:
    """Write the 汇总 workbook atomically; ExportError (export.atomic) when it cannot be written."""
    from storage.database import Township

    now = now or _dt.datetime.now()
    stamp = now.isoformat(timespec="seconds")
    township = Township(0, DISTRICT_STAT_CODE, None, DISTRICT_NAME, "", False)
    reports = [_district_report(f, summary.period, stamp) for f in summary.forms.values()]
    wb = build_workbook(reports, township, summary.period, now=now)
    used = {name.lower() for name in wb.sheetnames} | set(RESERVED_SHEETS)
    at = len(reports)  # after the form sheets, before 审核说明 and the hidden sheets
    coverage = wb.create_sheet(unique_sheet_name(COVERAGE_SHEET, "coverage", used), at)
    _coverage_sheet(coverage, summary)
    for i, form_summary in enumerate(summary.forms.values(), start=1):
        if form_summary.form.scope == "district":
            continue  # d3: entered once by the district: no township to compare
        ws = wb.create_sheet(unique_sheet_name(f"对比表_{form_summary.form.code}", f"compare_{i}", used), at + i)
        _comparison_sheet(ws, comparison(form_summary), summary.period)
    wb.properties.title = f"{DISTRICT_NAME} {period_label(summary.period)} {summary.title}"
    atomic_write(Path(out_path), lambda fh: save_workbook(wb, fh))
    return Path(out_path)


def _put(ws: Worksheet, row: int, col: int, value: Any, font: Font = _PLAIN, align: Alignment = _CENTER,
         border: bool = True, number_format: str | None = None) -> None:
    cell = ws.cell(row, col)
    if isinstance(value, str):
        value = clean_cell_text(value)  # what a worksheet can hold
        cell.value = value
        cell.data_type = "s"  # literal text, never a formula
    else:
        cell.value = value
    cell.font, cell.alignment = font, align
    if border:
        cell.border = _BORDER
    if number_format and isinstance(value, (int, float)):
        cell.number_format = number_format


def _title(ws: Worksheet, row: int, text: str, last: int, font: Font = _TITLE) -> None:
    _put(ws, row, 1, text, font, _CENTER if font is _TITLE else _LEFT, border=False)
    if last > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)


def _comparison_sheet(ws: Worksheet, table: Comparison, period: str) -> None:
    """镇街 | 类别 | per indicator: value and 占全区% (quantities only); the district last."""
    heads: list[str] = ["镇街", "类别"]
    for ind in table.indicators:
        heads.append(f"{ind.label}（{ind.unit}）" if ind.unit else ind.label)
        if ind.additive:
            heads.append("占全区%")
    last = len(heads)
    _title(ws, 1, f"{table.form.name}　镇街对比表", last)
    _title(ws, 2, f"{period_label(period)}　填报单位：{DISTRICT_NAME}　纳入{len(table.townships)}个镇街", last, _PLAIN)
    for i, head in enumerate(heads, start=1):
        _put(ws, 3, i, head, _BOLD)
        ws.column_dimensions[get_column_letter(i)].width = 16 if i > 2 else (18 if i == 1 else 8)
    ws.row_dimensions[3].height = 45
    r = 4
    for index, (name, kind, values) in enumerate(table.townships):
        _put(ws, r, 1, name, align=_LEFT)
        _put(ws, r, 2, kind)
        c = 3
        for j, (ind, value) in enumerate(zip(table.indicators, values)):
            _put(ws, r, c, value, number_format="#,##0.00")
            c += 1
            if ind.additive:
                _put(ws, r, c, table.share(index, j), number_format="0.00")
                c += 1
        r += 1
    _put(ws, r, 1, "全区合计" if table.townships else "全区合计（无镇街报送）", _BOLD, _LEFT)
    _put(ws, r, 2, "")
    c = 3
    for ind, value in zip(table.indicators, table.district):
        _put(ws, r, c, value, _BOLD, number_format="#,##0.00")
        c += 1
        if ind.additive:
            _put(ws, r, c, 100.0 if value else None, _BOLD, number_format="0.00")
            c += 1
    r += 2
    if table.missing:
        _title(ws, r, "未报送本表的镇街：" + "、".join(table.missing), last, _PLAIN)
        r += 1
    _title(ws, r, "说明：占全区% 为该镇街数值占全区合计的百分比；比率、强度类指标的全区值由各镇街数值之和重新计算，"
                  "不计算占比。", last, _PLAIN)
    ws.freeze_panes = "C4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _coverage_sheet(ws: Worksheet, summary: Summary) -> None:
    """Scope, townships in and missing, and the 审核 of the 汇总 (the forms' rules and the Σ checks)."""
    last = 6
    _title(ws, 1, f"{DISTRICT_NAME}　{period_label(summary.period)}　{summary.title}", last)
    r = 2
    for line in summary.coverage_lines():
        _title(ws, r, line, last, _PLAIN)
        ws.row_dimensions[r].height = 30
        r += 1
    _title(ws, r, "纳入汇总的镇街：" + ("、".join(t.name for t in summary.included) or "（无）"), last, _PLAIN)
    ws.row_dimensions[r].height = 60
    r += 2
    heads = ("序号", "表名", "位置", "类别", "审核内容", "规则")
    for i, (head, width) in enumerate(zip(heads, (6, 26, 30, 8, 60, 8)), start=1):
        _put(ws, r, i, head, _BOLD)
        ws.column_dimensions[get_column_letter(i)].width = width
    r += 1
    number = 0
    for key, form_summary in summary.forms.items():
        for f in summary.findings(key):
            number += 1
            where = f"{f.row_name} / {f.col_label}"
            for i, value in enumerate((number, form_summary.form.name, where, str(f.severity), f.text, f.rule_id),
                                      start=1):
                _put(ws, r, i, value, align=_CENTER if i in (1, 4, 6) else _LEFT)
            r += 1
    if not number:
        _title(ws, r, "汇总数据审核未发现问题。", last, _PLAIN)
