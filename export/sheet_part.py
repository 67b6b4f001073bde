"""One worksheet of a written workbook as plain data (cells as finished XML, widths, heights,
merges, validations, protection, print setup, comments) and its parts as XML text: the sheet,
its comments and their VML shapes. Elements are written in the order the schema requires (Excel
refuses a sheet whose elements are out of order). ``export.book_part`` puts sheets into a file.

Cell XML comes from ``export.xlsx_writer``'s ``number_cell`` / ``text_cell`` / ``empty_cell``
(text escaped without the characters XML cannot hold); ``put`` picks one for a value as
``export.cell_values.put`` stores it (text literal, = + - @ with the quote prefix)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from export.cell_values import QUOTED, clean_cell_text
from export.style_table import DEFAULT_FONT, Align, Font, StyleTable
from export.xlsx_writer import empty_cell, number_cell, text_cell, xml_attr, xml_text

__all__ = ["Sheet", "PageSetup", "Validation", "PROTECTION"]

PROTECTION = ('<sheetProtection sheet="1" objects="0" scenarios="0" formatCells="1" formatRows="1" '
              'formatColumns="1" insertColumns="1" insertRows="1" insertHyperlinks="1" deleteColumns="1" '
              'deleteRows="1" selectLockedCells="0" selectUnlockedCells="0" sort="1" autoFilter="1" pivotTables="1"/>')
_R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _num(value: float) -> str:
    return f"{value:.16g}"


@dataclass
class PageSetup:
    """How a sheet prints: A4, orientation, scale (%), margins (inches), the rows after which a
    page ends, the print titles (rows first…last, columns A…``title_cols``), the print area
    (A1 to ``area``: last column, last row) and the page header/footer texts (Excel's codes)."""

    landscape: bool
    scale: int
    margins: dict[str, float]
    row_breaks: tuple[int, ...]
    title_rows: tuple[int, int] | None
    title_cols: int | None
    area: tuple[int, int]
    header: str
    footer: str


@dataclass
class Validation:
    """A data validation of cells ``refs`` (blank allowed, the error shown)."""

    kind: str
    formula1: str
    formula2: str | None
    operator: str | None
    error: str
    error_title: str
    refs: list[str] = field(default_factory=list)

    def add(self, ref: str) -> None:
        self.refs.append(ref)

    def xml(self) -> str:
        operator = f' operator="{self.operator}"' if self.operator else ""
        formulas = f"<formula1>{xml_text(self.formula1)}</formula1>"
        if self.formula2 is not None:
            formulas += f"<formula2>{xml_text(self.formula2)}</formula2>"
        return (f'<dataValidation type="{self.kind}"{operator} allowBlank="1" showErrorMessage="1" '
                f'errorTitle="{xml_attr(self.error_title)}" error="{xml_attr(self.error)}" sqref="{" ".join(self.refs)}">'
                f"{formulas}</dataValidation>")


class Sheet:
    """One worksheet: cells by row and column (finished XML), and everything around them."""

    def __init__(self, title: str, styles: StyleTable, state: str = "visible") -> None:
        self.title, self.styles, self.state = title, styles, state
        self.rows: dict[int, dict[int, str]] = {}
        self.widths: dict[int, float] = {}
        self.heights: dict[int, float] = {}
        self.merges: list[tuple[int, int, int]] = []  # (row, first column, last column)
        self.validations: list[Validation] = []
        self.comments: list[tuple[int, int, str, str]] = []  # (row, column, text, author)
        self.freeze: tuple[int, int] | None = None  # the first unfrozen (row, column)
        self.protected = False
        self.page: PageSetup | None = None
        self.columns = (0, 0)  # the first and last column holding a cell (0: none yet)

    # building --------------------------------------------------------------------------------------
    def put(self, row: int, col: int, value: Any, font: Font = DEFAULT_FONT, align: Align | None = None,
            border: bool = True, number_format: str | None = None, locked: bool = True) -> None:
        """One cell holding ``value`` (text, number or None) in a style (``unstyled`` when font,
        alignment and border are the defaults); text as ``export.cell_values.put`` stores it."""
        ref = f"{get_column_letter(col)}{row}"
        if isinstance(value, str):
            value = clean_cell_text(value)
            xml = text_cell(ref, self.styles.id(font, align, border, number_format, locked, value[:1] in QUOTED), value)
        else:
            style = self.styles.id(font, align, border, number_format, locked)
            if value is None:
                xml = empty_cell(ref, style)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                xml = number_cell(ref, style, value)
            else:
                raise TypeError(f"{ref}: {type(value).__name__} 不能写入单元格")
        self.rows.setdefault(row, {})[col] = xml
        self._spans(col, col)

    def add_row(self, row: int, cells: list[str], last: int | None = None) -> None:
        """Row ``row`` as a whole: ``cells`` (finished cell XML, left to right from column A, up to
        column ``last``, by default one column each). Nothing is added to it afterwards."""
        self.rows[row] = {1: "".join(cells)}
        self._spans(1, last or len(cells))

    def _spans(self, first: int, last: int) -> None:
        low, high = self.columns
        self.columns = (min(low or first, first), max(high, last))

    def merge(self, row: int, first: int, last: int) -> None:
        if last > first:
            self.merges.append((row, first, last))

    def comment(self, row: int, col: int, text: str, author: str) -> None:
        self.comments.append((row, col, text, author))

    # XML -------------------------------------------------------------------------------------------
    def _dimension(self) -> str:
        rows = [r for r, cells in self.rows.items() if cells]
        if not rows:
            return "A1"
        first, last = self.columns
        return f"{get_column_letter(first)}{min(rows)}:{get_column_letter(last)}{max(rows)}"

    def _view(self) -> str:
        if self.freeze is None:
            return '<sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
        row, col = self.freeze
        split = (f' xSplit="{col - 1}"' if col > 1 else "") + (f' ySplit="{row - 1}"' if row > 1 else "")
        pane = "bottomRight" if row > 1 and col > 1 else ("topRight" if col > 1 else "bottomLeft")
        selections = ('<selection pane="topRight"/><selection pane="bottomLeft"/>' if pane == "bottomRight" else "")
        return (f'<sheetViews><sheetView workbookViewId="0"><pane{split} topLeftCell="{get_column_letter(col)}{row}" '
                f'activePane="{pane}" state="frozen"/>{selections}'
                f'<selection pane="{pane}" activeCell="A1" sqref="A1"/></sheetView></sheetViews>')

    def _data(self) -> str:
        out = ["<sheetData>"]
        heights = self.heights
        for r in sorted(self.rows.keys() | heights.keys()):
            height = heights.get(r)
            attrs = f' ht="{_num(height)}" customHeight="1"' if height is not None else ""
            cells = self.rows.get(r)
            if not cells:
                out.append(f'<row r="{r}"{attrs}/>')
                continue
            columns = list(cells)
            if any(a > b for a, b in zip(columns, columns[1:])):
                columns.sort()
            out.append(f'<row r="{r}"{attrs}>{"".join(cells[c] for c in columns)}</row>')
        out.append("</sheetData>")
        return "".join(out)

    def _print(self) -> str:
        page = self.page
        if page is None:
            return '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        m = page.margins
        out = ['<printOptions horizontalCentered="1"/>',
               f'<pageMargins left="{_num(m["left"])}" right="{_num(m["right"])}" top="{_num(m["top"])}" '
               f'bottom="{_num(m["bottom"])}" header="{_num(m["header"])}" footer="{_num(m["footer"])}"/>',
               f'<pageSetup paperSize="9" scale="{page.scale}" orientation="{"landscape" if page.landscape else "portrait"}"/>']
        header, footer = xml_text(page.header), xml_text(page.footer)
        out.append(f"<headerFooter><oddHeader>{header}</oddHeader><oddFooter>{footer}</oddFooter>"
                   f"<evenHeader>{header}</evenHeader><evenFooter>{footer}</evenFooter>"
                   f"<firstHeader>{header}</firstHeader><firstFooter>{footer}</firstFooter></headerFooter>")
        if page.row_breaks:
            breaks = "".join(f'<brk id="{r}" max="16383" man="1"/>' for r in page.row_breaks)
            out.append(f'<rowBreaks count="{len(page.row_breaks)}" manualBreakCount="{len(page.row_breaks)}">'
                       f"{breaks}</rowBreaks>")
        return "".join(out)

    def xml(self) -> str:
        """The worksheet part (``xl/worksheets/sheetN.xml``); its comments are the ``legacyDrawing``
        relationship ``vml`` (``export.book_part`` writes it)."""
        fit = '<pageSetUpPr fitToPage="0"/>' if self.page is not None else ""
        parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" {_R_NS}>'
                 f'<sheetPr>{fit}</sheetPr><dimension ref="{self._dimension()}"/>{self._view()}'
                 '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>']
        if self.widths:
            parts.append("<cols>" + "".join(f'<col min="{c}" max="{c}" width="{_num(w)}" customWidth="1"/>'
                                            for c, w in sorted(self.widths.items())) + "</cols>")
        parts.append(self._data())
        if self.protected:
            parts.append(PROTECTION)
        if self.merges:
            parts.append(f'<mergeCells count="{len(self.merges)}">' + "".join(
                f'<mergeCell ref="{get_column_letter(a)}{r}:{get_column_letter(b)}{r}"/>' for r, a, b in self.merges)
                + "</mergeCells>")
        validations = [v for v in self.validations if v.refs]
        if validations:
            parts.append(f'<dataValidations count="{len(validations)}">{"".join(v.xml() for v in validations)}'
                         "</dataValidations>")
        parts.append(self._print())
        if self.comments:
            parts.append('<legacyDrawing r:id="vml"/>')
        parts.append("</worksheet>")
        return "".join(parts)

    def comments_xml(self) -> str:
        """The comments part: one author list, then each comment (plain text)."""
        authors = list(dict.fromkeys(author for *_rest, author in self.comments))
        listed = "".join(f"<author>{xml_text(a)}</author>" for a in authors)
        notes = "".join(f'<comment ref="{get_column_letter(c)}{r}" authorId="{authors.index(a)}">'
                        f'<text><t xml:space="preserve">{xml_text(t)}</t></text></comment>'
                        for r, c, t, a in self.comments)
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f"<authors>{listed}</authors><commentList>{notes}</commentList></comments>")

    def vml(self, width: int = 240, height: int = 90) -> str:
        """The comments' shapes (legacy VML, which Excel needs to show them), hidden until pointed at."""
        shapes = "".join(
            f'<v:shape id="_x0000_s{1026 + i}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            f'margin-top:1.5pt;width:{width}px;height:{height}px;z-index:{i + 1};visibility:hidden" '
            'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
            f"<x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column></x:ClientData></v:shape>"
            for i, (r, c, _t, _a) in enumerate(self.comments))
        return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
                'xmlns:x="urn:schemas-microsoft-com:office:excel">'
                '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
                '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
                'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
                '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
                f"{shapes}</xml>")
