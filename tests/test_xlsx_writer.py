"""The export's faster workbook writer gives byte for byte the parts openpyxl's own save gives."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, Protection
from openpyxl.utils import get_column_letter

from export.submission import SheetReport, _build_workbook
from export.xlsx_writer import empty_cell, number_cell, raw_rows, save_workbook, style_id, text_cell
from tests.cell_map import cell_map

NOW = dt.datetime(2026, 1, 5, 9, 30, 0)


def _parts(save) -> dict[str, bytes]:
    buf = io.BytesIO()
    save(buf)
    with zipfile.ZipFile(buf) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}  # core.xml holds the save time


def _every_kind_of_cell() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    rows = [
        [1, 2.5, 1 / 3, -0.0, 1e-07, 12345678901234567890, 3.0],
        ["文字", " 前后空格 ", "a & b < c > d \"e\"", "=1+2", "", "   ", "行一\n行二"],
        [True, False, dt.date(2025, 1, 2), dt.datetime(2025, 1, 2, 3, 4, 5), None, "=SUM(A1:B1)", "@x"],
    ]
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value)
    ws["A2"].data_type = "s"
    ws["D2"].data_type = "s"  # text that looks like a formula, kept as text
    ws["A1"].font = Font(name="宋体", bold=True)
    ws["B1"].number_format = "0.00%"
    ws["C5"].protection = Protection(locked=False)  # styled empty cell
    ws["D5"].alignment = Alignment(horizontal="center")
    ws["E1"].comment = Comment("说明：文字", "说明")
    ws["F6"].comment = Comment("空单元格上的说明", "说明")
    ws["A7"].hyperlink = "https://example.invalid/"
    ws.row_dimensions[2].height = 30
    ws.merge_cells("A9:D9")
    ws["A9"] = "合并"
    wb.create_sheet("空表")
    return wb


def test_every_kind_of_cell_is_written_as_openpyxl_writes_it():
    mine = _parts(lambda fh: save_workbook(_every_kind_of_cell(), fh))
    theirs = _parts(lambda fh: _every_kind_of_cell().save(fh))
    assert mine.keys() == theirs.keys()
    for name in theirs:
        # On Windows openpyxl writes a line break inside cell text as \r\n (et_xmlfile writes the
        # worksheet through a text-mode file); Excel and this writer write \n. XML readers turn
        # \r\n into \n (XML 1.0 §2.11), so both files hold the same text: \n is the byte form kept.
        assert mine[name] == theirs[name].replace(b"\r\n", b"\n"), name
    assert b"\r" not in mine["xl/worksheets/sheet1.xml"]
    for save in (lambda fh: save_workbook(_every_kind_of_cell(), fh), lambda fh: _every_kind_of_cell().save(fh)):
        buf = io.BytesIO()
        save(buf)
        assert load_workbook(buf)["数据"]["G2"].value == "行一\n行二"


def _same_cells(raw: bool) -> Workbook:
    """Cells of every kind the export writes raw, as openpyxl cells or as raw rows."""
    wb = Workbook()
    ws = wb.active
    bold, wrap = Font(name="宋体", bold=True), Alignment(horizontal="left", wrap_text=True)
    rows = [[(1, bold, None), (2.5, None, None), (1 / 3, bold, "#,##0.00"), (12345678901234567890, None, None)],
            [("文字", wrap, None), (" 前后空格 ", None, None), ('a & b < c > d "e"', bold, None), ("行一\n行二", wrap, None)],
            [(None, bold, None), ("=1+2", None, None), ("—", wrap, "0.0"), ("@x", bold, None)]]
    for r, values in enumerate(rows, start=3):
        texts = []
        for c, (value, style, fmt) in enumerate(values, start=2):
            cell = ws.cell(r, c) if not raw else Cell(ws)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
                cell.quotePrefix = value[:1] in "=@"
            if isinstance(style, Font):
                cell.font = style
            elif style is not None:
                cell.alignment = style
            if fmt:
                cell.number_format = fmt
            if raw:
                ref, sid = f"{get_column_letter(c)}{r}", style_id(wb, cell._style)
                texts.append(empty_cell(ref, sid) if value is None else text_cell(ref, sid, value)
                             if isinstance(value, str) else number_cell(ref, sid, value))
        if raw:
            raw_rows(ws).add(r, texts, 2, 1 + len(values))
    ws["A1"] = "openpyxl 的单元格"  # a sheet holds both kinds of row
    ws["B7"] = 7
    ws["A1"].comment = Comment("说明：文字", "说明", width=240, height=90)  # comments stay openpyxl's
    return wb


def test_raw_rows_are_written_as_openpyxl_writes_the_same_cells():
    mine = _parts(lambda fh: save_workbook(_same_cells(raw=True), fh))
    theirs = _parts(lambda fh: _same_cells(raw=False).save(fh))
    assert mine.keys() == theirs.keys()
    for name in theirs:  # openpyxl's \r\n inside cell text on Windows: see the test above
        assert mine[name] == theirs[name].replace(b"\r\n", b"\n"), name


def test_a_workbook_with_raw_rows_saved_the_openpyxl_way_keeps_them(tmp_path):
    path = tmp_path / "raw.xlsx"
    _same_cells(raw=True).save(path)
    sheet = load_workbook(path).active
    assert sheet["C3"].value == 2.5 and sheet["C4"].value == " 前后空格 " and sheet["A1"].comment.text == "说明：文字"


def test_submission_workbook_reads_back_in_openpyxl(workspace, demo_township, tmp_path):
    reports = []
    for form in workspace.catalogue:
        data = workspace.find_report_data(demo_township.id, form.key, "2025")
        if data is not None and data.has_input:
            reports.append(SheetReport(form, data, workspace.validate(data)))
    assert len(reports) > 1
    town = workspace.store.township(demo_township.id)
    path = tmp_path / "s.xlsx"
    with open(path, "wb") as fh:
        save_workbook(_build_workbook(reports, town, "2025", NOW)[0], fh)
    wb = load_workbook(path)
    for sheet, address in cell_map(wb).values():  # every mapped cell is there, with its style
        assert wb[sheet][address].border.left.style == "thin", (sheet, address)
    assert wb.worksheets[0].dimensions.startswith("A1:")


def test_saved_values_read_back(tmp_path):
    path = tmp_path / "x.xlsx"
    with open(path, "wb") as fh:
        save_workbook(_every_kind_of_cell(), fh)
    ws = load_workbook(path)["数据"]
    assert [c.value for c in ws[1]] == [1, 2.5, 1 / 3, 0, 1e-07, 1.234567890123457e+19, 3]  # %.16g, as openpyxl writes
    assert ws["C2"].value == "a & b < c > d \"e\"" and ws["B2"].value == " 前后空格 " and ws["D2"].value == "=1+2"
    assert ws["G2"].value == "行一\n行二" and ws["E1"].comment.text == "说明：文字"
    assert ws["A3"].value is True and ws["F3"].value == "=SUM(A1:B1)"
    assert ws["C5"].protection.locked is False
