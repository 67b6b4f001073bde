"""The print plan (export/print_layout.py): one orientation rule, never below 90 %, tables not cut
when they fit a page, a long table's header repeated, and the same plan for the workbook and for
the program's own printing."""

from __future__ import annotations

import datetime as _dt

from export.book_part import Book
from export.export_gate import reports_to_export, select_forms
from export.form_sheet import FormSheet, Written
from export.print_layout import (
    MIN_SCALE,
    PENDING_APPROVAL,
    TableSpan,
    label_block,
    plan_pages,
    width_points,
)
from export.printed_sheet import printed_sheet

NOW = _dt.datetime(2026, 1, 5, 9, 30)
PORTRAIT_WIDTH = 595.3 - 72  # A4 less the plan's side margins (0.5 in each)


def _widths(*chars: float) -> list[float]:
    return [0.0, *chars]


def _rows(count: int, height: float = 14.0) -> list[float]:
    return [0.0] + [height] * count


def test_orientation_follows_the_width_of_the_table():
    narrow = plan_pages(_widths(20, 10, 6, 12, 12), _rows(20), [TableSpan(8, 8, 20)], 3)
    assert not narrow.landscape and narrow.scale == 1.0 and len(narrow.bands) == 1
    wide = _widths(20, 10, 6, *[12] * 6)
    assert sum(width_points(w) for w in wide) > PORTRAIT_WIDTH
    plan = plan_pages(wide, _rows(20), [TableSpan(8, 8, 20)], 3)
    assert plan.landscape and plan.scale == 1.0 and len(plan.bands) == 1


def test_a_table_slightly_too_wide_is_fitted_never_below_ninety_percent():
    widths = _widths(30, 12, 6, *[12] * 6)  # a little wider than landscape A4
    plan = plan_pages(widths, _rows(20), [TableSpan(8, 8, 20)], 3)
    assert plan.landscape and MIN_SCALE <= plan.scale < 1.0 and len(plan.bands) == 1


def test_a_table_far_too_wide_goes_on_to_a_second_page_across_repeating_its_first_columns():
    widths = _widths(30, 12, 6, *[14] * 14)
    plan = plan_pages(widths, _rows(20), [TableSpan(8, 8, 20)], 3)
    assert MIN_SCALE <= plan.scale <= 1.0 and len(plan.bands) >= 2
    assert [c for b in plan.bands for c in range(b[0], b[1] + 1)] == list(range(4, 18))  # every column once
    for band in range(len(plan.bands)):
        columns = plan.page_columns(band)
        assert columns[:3] == [1, 2, 3]  # 甲 乙 丙 on every page across
        assert sum(width_points(widths[c]) for c in columns) * plan.scale <= plan.printable[0]
    # the fewest pages across any scale from 90 % allows: 3 here (4 at 100 %)
    assert len(plan.bands) == 3 and plan.scale == 0.98


def test_the_last_rows_of_a_long_list_go_over_with_the_notes():
    """The 说明 never lands alone under no header: the list's last rows carry its header over."""
    heights = _rows(100)  # list rows 8…95 (header 8-9), then blank, 说明 and signature 96-100
    heights[96:101] = [14.0, 30.0, 30.0, 30.0, 30.0]
    plan = plan_pages(_widths(6, 30, 12), heights, [TableSpan(8, 8, 95)], 1)
    last = plan.pages[-1]
    assert last.repeat == (8, 9) and last.first <= 94 and last.last == 100
    assert plan.title_rows == (8, 9)


def test_a_table_that_fits_a_page_is_never_cut_and_a_long_one_repeats_its_own_header():
    # rows 1-7 heading; table 1 rows 8-30 (title 8, header 9-10); blank 31; table 2 rows 32-45
    heights = _rows(45, 20.0)  # 45 rows of 20 pt: more than one portrait page
    first, second = TableSpan(8, 9, 30), TableSpan(32, 33, 45)
    plan = plan_pages(_widths(30, 10, 6, 12), heights, [first, second], 3)
    assert [p.first for p in plan.pages] == [1, 32]  # the second table starts a page, nothing is cut
    assert plan.title_rows is None and all(p.repeat is None for p in plan.pages)

    long_list = TableSpan(8, 8, 200)
    plan = plan_pages(_widths(6, 30, 12), _rows(205), [long_list], 1)
    assert len(plan.pages) > 2
    assert all(p.repeat == (8, 9) for p in plan.pages[1:-1])  # its own header on each page it runs on
    assert plan.title_rows == (8, 9)  # the workbook's print titles: the one table that runs on
    assert plan.row_breaks == tuple(p.last for p in plan.pages[:-1])


def test_print_titles_only_where_every_later_page_continues_the_long_table():
    widths, long_list = _widths(6, 30, 12), TableSpan(8, 8, 100)
    # the totals fit under the list's last rows: every page after the first continues the list
    plan = plan_pages(widths, _rows(110), [long_list, TableSpan(102, 103, 110)], 1)
    assert not any(p.first == 102 for p in plan.pages) and plan.title_rows == (8, 9)
    # a long totals table starts its own page: the list's header must not print over it
    plan = plan_pages(widths, _rows(150), [long_list, TableSpan(102, 103, 150)], 1)
    assert any(p.first == 102 and p.repeat is None for p in plan.pages)
    assert plan.title_rows is None
    assert any(p.repeat == (8, 9) for p in plan.pages)  # the program's own printing still repeats it


def test_workbook_and_program_print_the_same_plan(workspace, demo_township):
    """The exported sheet's page setup and the printed pages come from one plan."""
    period = "2025"
    reports = reports_to_export(workspace, demo_township.id, period, select_forms(workspace, period, None))
    book = Book()
    sheets = []
    for report in reports:
        sheet = FormSheet(book.add_sheet(report.form.code), report, demo_township, period, NOW, Written())
        sheet.write()
        sheets.append(sheet)
    saved = book.to_openpyxl()  # the page setup as the file holds it
    for report, sheet in zip(reports, sheets, strict=True):
        printed = printed_sheet(report, demo_township, period, NOW)
        assert printed.plan == sheet.plan, report.form.code
        assert printed.widths == sheet.widths
        ws = saved[report.form.code]
        assert ws.page_setup.orientation == ("landscape" if sheet.plan.landscape else "portrait")
        assert [b.id for b in ws.row_breaks.brk] == list(sheet.plan.row_breaks)
        assert ws.page_setup.scale >= 90 and not ws.sheet_properties.pageSetUpPr.fitToPage


def test_the_unfiled_approval_placeholder_is_one_text(catalogue, qtbot):
    from ui.form_header import FormHeader

    form = next(f for f in catalogue if not f.approval_no)
    assert f"批准(备案)文号：{PENDING_APPROVAL}" in label_block(form)
    header = FormHeader()
    qtbot.addWidget(header)
    header.show_form(form, "演示镇", "500118999000", "2025")
    assert f"批准(备案)文号：{PENDING_APPROVAL}" in header.labels.text()


def test_page_header_holds_any_township_name(workspace, demo_township):
    """A name with "&" (Excel's header codes start with it) or a control character (an old database)."""
    from dataclasses import replace

    from export.printed_sheet import printed_sheets

    reports = reports_to_export(workspace, demo_township.id, "2025", select_forms(workspace, "2025", ["agriculture"]))
    town = replace(demo_township, name="甲&乙\x1b镇")
    book = Book()
    FormSheet(book.add_sheet("x"), reports[0], town, "2025", NOW, Written()).write()
    ws = book.to_openpyxl()["x"]
    assert ws.oddHeader.left.text == "填报单位：甲&&乙镇"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    printed = printed_sheet(reports[0], town, "2025", NOW)
    assert printed.header_left == "填报单位：甲&乙镇"
    assert all("\x1b" not in c.text for cells in printed.rows.values() for c in cells)
    assert printed_sheets(workspace, demo_township.id, "2025", ["agriculture"])[0].title == "永节统5表"
