"""A workbook written straight to a .xlsx file: its sheets (``export.sheet_part``), styles
(``export.style_table``), ``workbook.xml`` (sheet states, print titles and areas as defined names,
structure protection), relationships, content types and document properties, each as finished
XML text into the zip. No openpyxl object model on the way: building the submission as openpyxl
cells, styles and ranges and serialising them through ElementTree was most of a small export's
time.

``to_openpyxl`` gives the same workbook as openpyxl reads it, for callers that add their own
sheets with openpyxl (the district 汇总, ``district.summary_export``)."""

from __future__ import annotations

import datetime as _dt
from io import BytesIO
from typing import BinaryIO
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.writer.theme import theme_xml

from export.sheet_part import Sheet
from export.style_table import StyleTable
from export.xlsx_writer import NOT_XML, xml_attr, xml_text

__all__ = ["Book"]

_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _relationships(rels: list[tuple[str, str, str]]) -> str:
    """(id, type, target) → a relationships part (a type without "/" is one of ``_REL``'s)."""
    items = "".join(f'<Relationship Id="{i}" Type="{kind if "/" in kind else f"{_REL}/{kind}"}" Target="{target}"/>'
                    for i, kind, target in rels)
    return f'{_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{items}</Relationships>'


class Book:
    """Sheets in order, the style table they share, and the workbook's properties."""

    def __init__(self) -> None:
        self.styles = StyleTable()
        self.sheets: list[Sheet] = []
        self.creator = ""
        self.title = ""
        self.created: _dt.datetime | None = None
        self.lock_structure = False  # hidden sheets stay hidden

    def add_sheet(self, title: str, state: str = "visible") -> Sheet:
        sheet = Sheet(title, self.styles, state)
        self.sheets.append(sheet)
        return sheet

    # parts -----------------------------------------------------------------------------------------
    def _defined_names(self) -> str:
        names = []
        for i, sheet in enumerate(self.sheets):
            page, name = sheet.page, _quoted(sheet.title)
            if page is None:
                continue
            titles = []
            if page.title_rows:
                titles.append(f"{name}!${page.title_rows[0]}:${page.title_rows[1]}")
            if page.title_cols:
                titles.append(f"{name}!$A:${get_column_letter(page.title_cols)}")
            if titles:
                names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                             f'{xml_text(",".join(titles))}</definedName>')
            last_col, last_row = page.area
            names.append(f'<definedName name="_xlnm.Print_Area" localSheetId="{i}">'
                         f"{xml_text(name)}!$A$1:${get_column_letter(last_col)}${last_row}</definedName>")
        return f"<definedNames>{''.join(names)}</definedNames>" if names else ""

    def _workbook_xml(self) -> str:
        sheets = "".join(f'<sheet name="{xml_attr(s.title)}" sheetId="{i}" state="{s.state}" r:id="rId{i}"/>'
                         for i, s in enumerate(self.sheets, start=1))
        protection = '<workbookProtection lockStructure="1"/>' if self.lock_structure else ""
        return (f'{_HEAD}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{_REL}">'
                f'<workbookPr/>{protection}<bookViews><workbookView activeTab="0"/></bookViews>'
                f'<sheets>{sheets}</sheets>{self._defined_names()}<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')

    def _core_xml(self, now: _dt.datetime) -> str:
        def text(value: str) -> str:
            return xml_text(NOT_XML.sub("", value))

        created = f'<dcterms:created xsi:type="dcterms:W3CDTF">{self.created:%Y-%m-%dT%H:%M:%SZ}</dcterms:created>' \
            if self.created is not None else ""
        return (f'{_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f"<dc:creator>{text(self.creator)}</dc:creator><dc:title>{text(self.title)}</dc:title>{created}"
                f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now:%Y-%m-%dT%H:%M:%SZ}</dcterms:modified>'
                "</cp:coreProperties>")

    def _content_types(self, commented: list[int]) -> str:
        parts = [("/xl/workbook.xml", f"{_MAIN}.sheet.main+xml"), ("/xl/styles.xml", f"{_MAIN}.styles+xml"),
                 ("/xl/theme/theme1.xml", "application/vnd.openxmlformats-officedocument.theme+xml"),
                 ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
                 ("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml")]
        parts += [(f"/xl/worksheets/sheet{i}.xml", f"{_MAIN}.worksheet+xml") for i in range(1, len(self.sheets) + 1)]
        parts += [(f"/xl/comments/comment{n}.xml", f"{_MAIN}.comments+xml") for n in range(1, len(commented) + 1)]
        overrides = "".join(f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in parts)
        return (f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
                f"{overrides}</Types>")

    # the file --------------------------------------------------------------------------------------
    def write_xlsx(self, fh: BinaryIO) -> None:
        """Write the .xlsx file to ``fh`` (an open binary file)."""
        archive = ZipFile(fh, "w", ZIP_DEFLATED, allowZip64=True)
        try:
            self._write(archive)
        except BaseException:
            # the caller discards the half-written file (export.atomic); left as it is, the archive
            # would try to finish it when collected and print a traceback ("seek of closed file")
            archive.fp = None
            raise
        archive.close()

    def _write(self, archive: ZipFile) -> None:
        now = _dt.datetime.now(tz=_dt.timezone.utc).replace(tzinfo=None)
        commented = [i for i, s in enumerate(self.sheets, start=1) if s.comments]
        archive.writestr("[Content_Types].xml", self._content_types(commented))
        archive.writestr("_rels/.rels", _relationships([
            ("rId1", "officeDocument", "xl/workbook.xml"),
            ("rId2", _CORE, "docProps/core.xml"),
            ("rId3", "extended-properties", "docProps/app.xml")]))
        archive.writestr("docProps/app.xml", f'{_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/'
                         'officeDocument/2006/extended-properties"><Application>Microsoft Excel Compatible</Application></Properties>')
        archive.writestr("docProps/core.xml", self._core_xml(now))
        archive.writestr("xl/workbook.xml", self._workbook_xml())
        n = len(self.sheets)
        archive.writestr("xl/_rels/workbook.xml.rels", _relationships(
            [(f"rId{i}", "worksheet", f"worksheets/sheet{i}.xml") for i in range(1, n + 1)]
            + [(f"rId{n + 1}", "styles", "styles.xml"), (f"rId{n + 2}", "theme", "theme/theme1.xml")]))
        archive.writestr("xl/styles.xml", self.styles.xml())
        archive.writestr("xl/theme/theme1.xml", theme_xml)
        for i, sheet in enumerate(self.sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", sheet.xml())
            if i in commented:
                k = commented.index(i) + 1
                archive.writestr(f"xl/worksheets/_rels/sheet{i}.xml.rels", _relationships(
                    [("comments", "comments", f"../comments/comment{k}.xml"),
                     ("vml", "vmlDrawing", f"../drawings/commentsDrawing{k}.vml")]))
                archive.writestr(f"xl/comments/comment{k}.xml", sheet.comments_xml())
                archive.writestr(f"xl/drawings/commentsDrawing{k}.vml", sheet.vml())

    def to_openpyxl(self) -> Workbook:
        """The workbook as openpyxl reads this file (to add sheets with openpyxl and save it)."""
        from openpyxl import load_workbook

        buffer = BytesIO()
        self.write_xlsx(buffer)
        buffer.seek(0)
        return load_workbook(buffer)
