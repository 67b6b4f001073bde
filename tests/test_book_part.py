"""The submission's own workbook writer (export.book_part, sheet_part, style_table): every part
well-formed and in the order Excel requires, styles read back as written, and text the XML
cannot hold left out."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import replace
from xml.etree import ElementTree

from openpyxl import load_workbook

from export.book_part import Book
from export.export_gate import reports_to_export, select_forms
from export.sheet_part import PageSetup, Validation
from export.style_table import Align, Font
from export.submission import _build_workbook, export_template

NOW = dt.datetime(2026, 1, 5, 9, 30, 0)
# CT_Worksheet's children in schema order (ECMA-376 part 1, 18.3.1.99)
WORKSHEET_ORDER = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
                   "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
                   "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
                   "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
                   "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing")
STYLES_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles")


def _parts(data: bytes) -> dict[str, ElementTree.Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: ElementTree.fromstring(zf.read(name)) for name in zf.namelist()}


def _children(element: ElementTree.Element) -> list[str]:
    return [child.tag.rsplit("}", 1)[-1] for child in element]


def _in_order(tags: list[str], order: tuple[str, ...]) -> bool:
    positions = [order.index(tag) for tag in tags]
    return positions == sorted(positions)


def _written(book: Book) -> bytes:
    buffer = io.BytesIO()
    book.write_xlsx(buffer)
    return buffer.getvalue()


def test_every_part_is_well_formed_and_schema_ordered(workspace, demo_township, tmp_path):
    """A hostile township name (XML's special characters, a control character) and the demo's 说明
    (comments); the template adds unlocked cells and data validations."""
    town = replace(workspace.township(demo_township.id), name="甲&<乙>\"镇\x1b")
    reports = reports_to_export(workspace, demo_township.id, "2025", select_forms(workspace, "2025", None))
    book, _sha = _build_workbook(reports, town, "2025", NOW)
    template = export_template(workspace, "2025", tmp_path / "t.xlsx", township_id=demo_township.id, now=NOW)
    for data in (_written(book), template.read_bytes()):
        parts = _parts(data)
        sheets = [n for n in parts if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == len(parts["xl/workbook.xml"].find("{*}sheets"))
        for name in sheets:
            assert _in_order(_children(parts[name]), WORKSHEET_ORDER), (name, _children(parts[name]))
        assert _in_order(_children(parts["xl/styles.xml"]), STYLES_ORDER)
        types = {o.get("PartName") for o in parts["[Content_Types].xml"]}
        assert {f"/{n}" for n in parts if n.endswith(".xml") and not n.startswith("[")} <= types | {"/_rels/.rels"}
    assert any(n.startswith("xl/comments/") for n in _parts(_written(book)))
    assert any(_children(p).count("dataValidations") for n, p in _parts(template.read_bytes()).items()
               if n.startswith("xl/worksheets/"))
    wb = load_workbook(io.BytesIO(_written(book)))
    assert wb.properties.title.startswith("甲&<乙>\"镇 ") and wb.worksheets[0]["A5"].value == "填报单位：甲&<乙>\"镇"
    assert wb.worksheets[0].oddHeader.left.text == "填报单位：甲&&<乙>\"镇"


def test_styles_read_back_as_written():
    book = Book()
    sheet = book.add_sheet("样式")
    bold, wrap = Font(12, bold=True), Align("left", wrap=True, indent=2)
    sheet.put(1, 1, "标题", bold, wrap, border=False)
    sheet.put(1, 2, 1234.5, number_format="#,##0.0")
    sheet.put(1, 3, 7, number_format="#,##0.00")  # Excel's built-in format 4
    sheet.put(2, 1, None, locked=False)
    sheet.put(2, 2, "=1+2")
    sheet.put(2, 3, " 前后 ", bold, wrap, border=False)
    sheet.put(3, 1, "行\x07一")
    assert book.styles.id(bold, wrap, False) == book.styles.id(Font(12, True), Align("left", "center", True, 2), False)
    ws = load_workbook(io.BytesIO(_written(book)))["样式"]
    a1 = ws["A1"]
    assert (a1.value, a1.font.name, a1.font.sz, a1.font.b) == ("标题", "宋体", 12, True)
    assert (a1.alignment.horizontal, a1.alignment.wrap_text, a1.alignment.indent, a1.border.left.style) == \
        ("left", True, 2, None)
    assert ws["B1"].value == 1234.5 and ws["B1"].number_format == "#,##0.0" and ws["B1"].border.top.style == "thin"
    assert ws["C1"].number_format == "#,##0.00" and ws["C1"].font.sz == 10 and not ws["C1"].font.b
    assert ws["A2"].value is None and ws["A2"].protection.locked is False and ws["B1"].protection.locked is True
    assert ws["B2"].value == "=1+2" and ws["B2"].data_type == "s" and ws["B2"].quotePrefix
    assert ws["C2"].value == " 前后 " and ws["A3"].value == "行一"


def test_sheet_setup_reads_back(tmp_path):
    """Widths, heights, merges, freeze, validations, protection, print setup, comments, hidden sheets."""
    book = Book()
    sheet = book.add_sheet("表'一")
    for r in range(1, 40):
        sheet.put(r, 1, r)
        sheet.put(r, 3, f"第{r}行")
    sheet.widths.update({1: 12.5, 3: 30})
    sheet.heights.update({1: 32, 45: 20})
    sheet.merge(1, 3, 5)
    sheet.freeze = (3, 2)
    check = Validation("whole", "0", "100", "between", "请填写整数", "填写有误")
    check.add("A3")
    check.add("A4")
    sheet.validations.append(check)
    sheet.comment(4, 3, "说明：<文字>", "说明")
    sheet.page = PageSetup(True, 91, {"left": 0.5, "right": 0.5, "top": 0.75, "bottom": 0.75, "header": 0.3,
                                      "footer": 0.3}, (20, 30), (2, 2), 1, (5, 39), "&L&10 甲&&乙", "&C&10 第 &P 页")
    sheet.protected = True
    hidden = book.add_sheet("_隐藏", "hidden")
    hidden.add_row(1, ['<c r="A1" t="inlineStr"><is><t>x</t></is></c>'])
    book.lock_structure = True
    path = tmp_path / "s.xlsx"
    with path.open("wb") as fh:
        book.write_xlsx(fh)
    wb = load_workbook(path)
    ws = wb["表'一"]
    assert ws.column_dimensions["A"].width == 12.5 and ws.column_dimensions["C"].width == 30
    assert ws.row_dimensions[1].height == 32 and ws.row_dimensions[45].height == 20
    assert [str(r) for r in ws.merged_cells.ranges] == ["C1:E1"] and ws.freeze_panes == "B3"
    (v,) = ws.data_validations.dataValidation
    assert (v.type, v.formula1, v.formula2, v.error, str(v.sqref)) == ("whole", "0", "100", "请填写整数", "A3 A4")
    assert ws["C4"].comment.text == "说明：<文字>" and ws.protection.sheet
    assert (ws.page_setup.orientation, ws.page_setup.scale, ws.page_setup.paperSize) == ("landscape", 91, 9)
    assert [b.id for b in ws.row_breaks.brk] == [20, 30] and ws.page_margins.left == 0.5
    assert ws.print_title_rows == "$2:$2" and ws.print_title_cols == "$A:$A" and str(ws.print_area) == "'表''一'!$A$1:$E$39"
    assert ws.oddHeader.left.text == "甲&&乙" and ws.evenFooter.center.text == "第 &P 页"
    assert wb["_隐藏"].sheet_state == "hidden" and wb["_隐藏"]["A1"].value == "x" and wb.security.lockStructure
