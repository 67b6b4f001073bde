"""The paper copy: the exported workbook printed by LibreOffice (headless, to PDF) and the program's
own printing (to PDF), read back with pypdf: page count, orientation, no text below 9 pt, and the
page header / footer (填报单位, 报告期, 第 N 页 共 M 页) on every page."""

from __future__ import annotations

import datetime as _dt

import pytest

from export.form_sheet import SheetReport
from export.printed_sheet import printed_sheets
from export.submission import export_submission
from tests.print_helpers import pdf_pages, soffice, to_pdf

NOW = _dt.datetime(2026, 1, 5, 9, 30)
MIN_POINTS = 9.0


def _expected(sheets) -> list[bool]:  # noqa: ANN001
    """Landscape?, page by page, as the plan prints them."""
    return [sheet.plan.landscape for sheet in sheets for _page in sheet.pages()]


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_exported_workbook_prints_readably_from_libreoffice(workspace, demo_township, tmp_path):
    out = tmp_path / "演示镇2025.xlsx"
    export_submission(workspace, demo_township.id, "2025", out, now=NOW)
    pages = pdf_pages(to_pdf(out, tmp_path))
    sheets = printed_sheets(workspace, demo_township.id, "2025", now=NOW)

    expected = _expected(sheets) + [True]  # then the 审核说明 sheet: one landscape page
    assert len(pages) == len(expected) == 20
    assert [p.landscape for p in pages] == expected
    smallest = min(p.smallest for p in pages)
    assert smallest >= MIN_POINTS, f"text of {smallest:.1f} pt on paper"
    for n, page in enumerate(pages, start=1):
        assert "填报单位：演示镇（示例数据）" in page.text and "报告期：2025年" in page.text
        assert f"第 {n} 页 共 {len(pages)} 页" in page.text
    # 甲 乙 丙 repeated on the pages across of 永节统1表, whose columns do not fit one page
    across = [p for p in pages if "原煤" in p.text and "电力" in p.text and "说明：" not in p.text
              and "审核说明" not in p.text]  # the pages of the table, not of its notes
    assert len(across) >= 2 and all("能源品种" in p.text for p in across)
    assert "审核说明" in pages[-1].text


def test_program_prints_the_same_pages(workspace, demo_township, tmp_path, qtbot):
    from PySide6.QtGui import QPdfWriter

    from ui.printing import page_count, paint_sheets

    sheets = printed_sheets(workspace, demo_township.id, "2025", now=NOW)
    target = tmp_path / "printed.pdf"
    writer = QPdfWriter(str(target))
    writer.setResolution(300)
    painted = paint_sheets(writer, sheets)
    del writer  # the PDF is complete once the writer is gone
    pages = pdf_pages(target)
    assert painted == page_count(sheets) == len(pages) == 19
    assert [p.landscape for p in pages] == _expected(sheets)
    assert min(p.smallest for p in pages) >= MIN_POINTS
    for n, page in enumerate(pages, start=1):
        assert "填报单位：演示镇（示例数据）" in page.text and f"第 {n} 页 共 {len(pages)} 页" in page.text
    assert "镇街能源消费统计表" in pages[0].text and "16,920.00" in pages[0].text  # 原煤 消费量 as the grid shows it


def test_current_form_alone(workspace, demo_township):
    sheets = printed_sheets(workspace, demo_township.id, "2025", ["energy_consumption"], now=NOW)
    assert [s.title for s in sheets] == ["永节统1表"]
    assert len(sheets[0].pages()) == 6  # 永节统1表 v3: 3 pages across for the energy table, then its two short tables


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_a_long_list_repeats_its_own_header_on_every_page(workspace, demo_township, tmp_path):
    from export.printed_sheet import printed_sheet
    from export.submission import build_workbook
    from export.xlsx_writer import save_workbook

    form = workspace.form("key_energy_units")
    data = workspace.find_report_data(demo_township.id, form.key, "2025")
    rows = workspace.add_list_row(data.report.id, "units", 70).row_keys
    workspace.change_cells(data.report.id, [(("units", key, "name"), f"测试单位{n:02d}有限公司")
                                            for n, key in enumerate(rows)], "测试")
    data = workspace.find_report_data(demo_township.id, form.key, "2025")
    result = workspace.validate(data)
    out = tmp_path / "长清单.xlsx"
    with out.open("wb") as fh:
        save_workbook(build_workbook([(form, data, result)], demo_township, "2025", now=NOW), fh)
    pages = pdf_pages(to_pdf(out, tmp_path))

    plan = printed_sheet(SheetReport(form, data, result), demo_township, "2025", NOW)
    assert len(pages) == len(plan.pages()) + 1 >= 5  # + the 审核说明 page
    named = [p for p in pages if "测试单位" in p.text]
    assert len(named) == len(pages) - 1  # 序号 and 单位名称 repeat on the pages across too
    for page in named:  # each page of the list carries the list's own header
        assert "序号" in page.text and "单位名称" in page.text
        assert "统一社会信用代码" in page.text or "数据来源" in page.text  # the header of its own columns
    listed = [n for n in range(70) if any(f"测试单位{n:02d}有限公司" in p.text for p in named)]
    assert listed == list(range(70))  # no row lost between pages
    assert all(p.landscape for p in pages) and min(p.smallest for p in pages) >= MIN_POINTS
