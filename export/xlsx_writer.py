"""Saving an openpyxl workbook faster, with exactly the cell XML openpyxl would write, and the
cell XML and text escaping that the submission's own writer (``export.book_part``) shares.

openpyxl (3.1.5, without lxml) serialises every cell by building an ElementTree element and
walking it through et_xmlfile's namespace-aware serialiser: for the 3,700 cells of a
township-year that was two thirds of the time. The workbooks still built with openpyxl (the flat
list, the 汇总, feedback and register files) are saved here; the submission is written without
openpyxl's object model at all (``export.book_part``). ``save_workbook`` writes the
``<sheetData>`` part of each worksheet as text instead — numbers as ``<v>`` with openpyxl's own
``safe_string`` (``%.16g``), text as inline strings escaped the same way — and leaves everything
else (sheet properties, merges, validations, protection, print setup, comments, styles,
workbook parts) to openpyxl. Any cell that is not a plain number, plain text or empty (formula,
boolean, date, rich text, hyperlink) is handed to openpyxl's own cell writer, and so is a whole
sheet when the XML writer is not the one this was built for (lxml installed). Worksheets are
written to memory instead of a temporary file each.

A large sheet's bulk (a 5,000-row flat list) need not become openpyxl cells at all:
``raw_rows(ws)`` takes whole rows as finished ``<row>`` XML (built with ``number_cell`` /
``text_cell`` / ``style_id``, the same text the writer gives openpyxl's cells), which
``save_workbook`` writes in row order among the sheet's own cells. A row is either raw or
openpyxl's, never both.

``tests/test_xlsx_writer.py`` checks that both writers give the same cells.
"""

from __future__ import annotations

import datetime
import re
from functools import partial
from io import BytesIO
from typing import Any, BinaryIO
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import LXML
from openpyxl.cell._writer import write_cell
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.compat import safe_string
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import fromstring

__all__ = ["save_workbook", "xml_text", "xml_attr", "NOT_XML", "RawRows", "raw_rows", "number_cell", "text_cell", "empty_cell", "style_id", "column_letters"]

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PROPERTY_TEXTS = ("title", "subject", "creator", "keywords", "description", "lastModifiedBy", "category")


def xml_text(value: str) -> str:
    """Element text as ElementTree escapes it, without the characters XML cannot hold (control
    characters: openpyxl's own writer would produce a file Excel refuses to open)."""
    if NOT_XML.search(value):
        value = NOT_XML.sub("", value)
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


def xml_attr(value: str) -> str:
    value = xml_text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\n" in value:
        value = value.replace("\n", "&#10;")
    return value


def column_letters(count: int) -> list[str]:
    """["", "A", "B", …]: the letters of columns 1…count by number."""
    return [""] + [get_column_letter(c) for c in range(1, count + 1)]


def style_id(workbook: Workbook, style: StyleArray | None) -> int:
    """The workbook's index of a cell style (openpyxl's ``cell._style``), for ``s="…"``."""
    return workbook._cell_styles.add(style) if style is not None and any(style) else 0


def number_cell(ref: str, style: int, value: float) -> str:
    """A number cell's XML exactly as the writer gives an openpyxl cell."""
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="n"><v>{safe_string(value)}</v></c>'


def empty_cell(ref: str, style: int) -> str:
    """An empty styled cell's XML exactly as the writer gives an openpyxl cell."""
    return f'<c r="{ref}" s="{style}" t="n" />' if style else ""


def text_cell(ref: str, style: int, value: str) -> str:
    """A text cell's XML (inline string) exactly as the writer gives an openpyxl cell; "" → empty."""
    s = f' s="{style}"' if style else ""
    if value == "":
        return f'<c r="{ref}"{s} t="inlineStr" />'
    stripped = value.strip()
    space = ' xml:space="preserve"' if stripped and stripped != value else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{xml_text(value)}</t></is></c>'


class RawRows:
    """Whole rows of one worksheet as finished XML."""

    def __init__(self) -> None:
        self.rows: dict[int, str] = {}
        self.min_col = 0
        self.max_col = 0

    def add(self, row: int, cells: list[str], first_col: int, last_col: int) -> None:
        """Row ``row`` holding ``cells`` (``number_cell``/``text_cell`` texts, left to right), which
        span columns ``first_col``…``last_col``."""
        self.rows[row] = f'<row r="{row}">{"".join(cells)}</row>' if cells else ""
        self.min_col = min(self.min_col or first_col, first_col)
        self.max_col = max(self.max_col, last_col)


def raw_rows(ws: Any) -> RawRows:
    """The raw rows of worksheet ``ws`` (created on first use)."""
    rows = getattr(ws, "_raw_rows", None)
    if rows is None:
        rows = RawRows()
        ws._raw_rows = rows
        # openpyxl's own save would leave these rows out without a word: the workbook's save is this one
        ws.parent.save = partial(save_workbook, ws.parent)
    return rows


def _merged_rows(ws: Any, own: list[tuple[int, list[Any]]]) -> list[tuple[int, Any]]:
    """openpyxl's rows (cell lists) and the raw rows (strings) in row order."""
    extra = getattr(ws, "_raw_rows", None)
    if extra is None or not extra.rows:
        return own  # type: ignore[return-value]
    merged: dict[int, Any] = dict(extra.rows)
    for row_idx, cells in own:
        if row_idx in merged:
            if cells:
                raise ValueError(f"第{row_idx}行既有单元格又有整行文本")
            continue  # an empty row_dimensions entry: the raw row stands
        merged[row_idx] = cells
    return sorted(merged.items())


class _SheetWriter(WorksheetWriter):
    """openpyxl's worksheet writer with ``<sheetData>`` written as text."""

    def __init__(self, ws: Any) -> None:
        super().__init__(ws, out=BytesIO())

    def write_dimensions(self) -> None:
        extra = getattr(self.ws, "_raw_rows", None)
        if extra is None or not extra.rows:
            super().write_dimensions()
            return
        ws = self.ws
        rows, cols = list(extra.rows), [extra.min_col, extra.max_col]
        if ws._cells:
            rows += [ws.min_row, ws.max_row]
            cols += [ws.min_column, ws.max_column]
        ref = f"{get_column_letter(min(cols))}{min(rows)}:{get_column_letter(max(cols))}{max(rows)}"
        self.xf.send(SheetDimension(ref).to_tree())

    def write_rows(self) -> None:
        xf = self.xf.send(True)
        raw = getattr(xf, "_file", None)
        with xf.element("sheetData"):
            if LXML or not callable(raw):
                for row_idx, row in _merged_rows(self.ws, self.rows()):
                    if isinstance(row, str):
                        if row:
                            xf.write(fromstring(row))
                    else:
                        self.write_row(xf, row, row_idx)
            else:
                self._write_rows_text(xf, raw)
        self.xf.send(None)

    def _write_rows_text(self, xf: Any, raw: Any) -> None:
        ws = self.ws
        dims = ws.row_dimensions
        comments = ws._comments
        styles = ws.parent._cell_styles
        out: list[str] = []
        for row_idx, row in _merged_rows(ws, self.rows()):
            if isinstance(row, str):
                out.append(row)
                continue
            attrs = "".join(f' {k}="{xml_attr(v)}"' for k, v in dims.get(row_idx, {}))
            out.append(f'<row r="{row_idx}"{attrs}>')
            for cell in row:
                if cell._comment is not None:
                    comments.append(CommentRecord.from_cell(cell))
                value = cell._value
                style = cell._style
                styled = style is not None and any(style)
                if value is None and not styled and cell._comment is None:
                    continue
                kind = cell.data_type
                if cell.hyperlink is not None or not (kind == "n" or (kind == "s" and isinstance(value, str))):
                    raw("".join(out))
                    out.clear()
                    write_cell(xf, ws, cell, styled)
                    continue
                s = f' s="{styles.add(style)}"' if styled else ""
                if kind == "n":
                    if value is None or value == "":
                        out.append(f'<c r="{cell.coordinate}"{s} t="n" />')
                    else:
                        out.append(f'<c r="{cell.coordinate}"{s} t="n"><v>{safe_string(value)}</v></c>')
                elif value == "":
                    out.append(f'<c r="{cell.coordinate}"{s} t="inlineStr" />')
                else:
                    stripped = value.strip()
                    space = ' xml:space="preserve"' if stripped and stripped != value else ""
                    out.append(f'<c r="{cell.coordinate}"{s} t="inlineStr"><is><t{space}>{xml_text(value)}</t></is></c>')
            out.append("</row>")
            if len(out) > 4096:
                raw("".join(out))
                out.clear()
        raw("".join(out))

    def cleanup(self) -> None:
        """Nothing to remove: the sheet was written to memory."""


class _Writer(ExcelWriter):
    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _SheetWriter(ws)
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


def save_workbook(workbook: Any, fh: BinaryIO | str) -> None:
    """``workbook.save(fh)``, faster (see the module docstring); not for write-only workbooks.
    A workbook written without openpyxl (``export.book_part.Book``: the submission) writes itself."""
    write_xlsx = getattr(workbook, "write_xlsx", None)
    if write_xlsx is not None:
        write_xlsx(fh)
        return
    if workbook.write_only:
        workbook.save(fh)
        return
    properties = workbook.properties
    for name in _PROPERTY_TEXTS:  # docProps/core.xml: e.g. the title holds the township's name
        text = getattr(properties, name, None)
        if isinstance(text, str) and NOT_XML.search(text):
            setattr(properties, name, NOT_XML.sub("", text))
    archive = ZipFile(fh, "w", ZIP_DEFLATED, allowZip64=True)
    workbook.properties.modified = datetime.datetime.now(tz=datetime.timezone.utc).replace(tzinfo=None)
    try:
        _Writer(workbook, archive).save()
    except BaseException:
        # the caller discards the half-written file (export.atomic); left as it is, the archive
        # would try to finish it when collected and print a traceback ("seek of closed file")
        archive.fp = None
        raise
