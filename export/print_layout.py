"""How a form sheet falls onto A4 paper: column widths, row heights, orientation, pages across
and down, the rows that repeat. ONE plan used by the exported workbook (its page setup, page
breaks and print titles) and by the program's own printing (``ui.printing`` paints these pages).

The rules (what a clerk's stamped paper copy needs):

* nothing is shrunk below ``MIN_SCALE`` (the 10 pt text prints at 9 pt or more): a table wider
  than the page is fitted only when that scale suffices, otherwise it continues on a second page
  across with its descriptive columns (甲 乙 丙 / 序号) repeated;
* landscape exactly when the sheet is wider than portrait A4's printable width (one rule for all);
* a table that fits on one page is never cut: it starts a fresh page when it does not fit on the
  current one; a longer one starts a fresh page unless its header and first rows fit (no orphan
  header), and each page it continues on gets its own header again;
* rows after the last table (说明, signature) are kept together when they fit on one page.

Widths are Excel's column widths (characters of the default font); heights are points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from export.cell_values import display_width, lines_needed
from export.layout import FormLayout
from forms.spec import FormSpec

__all__ = ["PAGE_POINTS", "MARGINS_IN", "MIN_SCALE", "BODY_ROW_PT", "TITLE_ROW_PT", "column_widths",
           "header_height", "text_height", "width_points", "TableSpan", "RowPage", "PagePlan", "plan_pages",
           "sheet_plan", "label_block", "PENDING_APPROVAL", "pages_across", "first_page_width", "repeat_columns"]

PAGE_POINTS = (595.3, 841.9)  # A4 portrait, width × height
MARGINS_IN = {"left": 0.5, "right": 0.5, "top": 0.75, "bottom": 0.75, "header": 0.3, "footer": 0.3}
MIN_SCALE = 0.9  # 10 pt text → 9 pt on paper at the least
BODY_ROW_PT = 14.0  # a body row of 10 pt text (Excel draws 13.5, LibreOffice 12.8: planning with 14 is safe)
TITLE_ROW_PT = 32.0
HEADER_LINE_PT = 15.0
TEXT_LINE_PT = 16.0  # a wrapped line of 10 pt Chinese text (LibreOffice draws 15.5)
MIN_ROWS_WITH_HEADER = 2  # a header never ends a page with fewer body rows under it
# LibreOffice takes the page header and footer out of the body area (Excel puts them in the
# margins): the plan leaves that much room so its page breaks hold in both.
HEADER_FOOTER_PT = 36.0
PENDING_APPROVAL = "（待备案）"  # the label block's placeholder for an approval not yet filed (window and export)


def label_block(form: FormSpec) -> list[str]:
    """The right-hand label block of a form, as printed and as the window shows it."""
    return [f"表　　号：{form.code}", f"制定机关：{form.authority}",
            f"批准(备案)机关：{form.approval_authority or PENDING_APPROVAL}",
            f"批准(备案)文号：{form.approval_no or PENDING_APPROVAL}",
            f"有效期至：{form.valid_until}"]


DIGIT_PX = 8.5  # a digit of the default font (宋体 10 pt) at 96 dpi where it is widest: LibreOffice
# without SimSun falls back to DejaVu Sans (8.5 px); Excel and WPS with SimSun draw 7 px, so there
# the planned pages have room to spare rather than spill onto an extra page across.


def width_points(chars: float) -> float:
    """Printed width of an Excel column ``chars`` wide (``DIGIT_PX`` digits plus 5 pixels of padding)."""
    return math.floor(chars * DIGIT_PX + 5) * 0.75


def column_widths(form: FormSpec) -> list[float]:
    """Column widths (characters), index 1…n (index 0 unused): the label column takes the longest
    row name, data columns their declared width; header text wraps within them."""
    n = max(max((3 if t.kind == "grid" else 1) + len(t.columns) for t in form.tables), 2)
    widths = [8.0] * (n + 1)
    for table in form.tables:
        if table.kind == "grid":
            label = max(display_width(r.label) + 2 * r.indent for r in table.rows)
            widths[1] = max(widths[1], min(label + 3, 40), display_width(table.row_label) + 3, 12)
            widths[2] = max(widths[2], max(display_width(r.unit) for r in table.rows) + 3, 10)
            widths[3] = max(widths[3], 6)
            first = 4
        else:
            widths[1] = max(widths[1], 6)
            first = 2
        for j, col in enumerate(table.columns):
            widths[first + j] = max(widths[first + j], col.width, 8)
    return widths


def header_height(heads: Sequence[str], widths: Sequence[float]) -> float:
    """Height of a table's header row: the tallest wrapped column label (``heads`` from column 1)."""
    lines = max((lines_needed(h, widths[i]) for i, h in enumerate(heads, start=1)), default=1)
    return HEADER_LINE_PT * lines + 6


def text_height(text: str, width: float) -> float:
    """Height of a merged, wrapped text row (说明, signature) ``width`` characters wide."""
    return TEXT_LINE_PT * lines_needed(text, width) + 4


@dataclass(frozen=True)
class TableSpan:
    """Where one table sits on the sheet: its first row (title or header), its header row, its last row."""

    first_row: int
    header_row: int
    last_row: int

    @property
    def header_rows(self) -> tuple[int, int]:
        return self.header_row, self.header_row + 1


@dataclass(frozen=True)
class RowPage:
    """One page down: sheet rows first…last, and the header rows repeated above them (or None)."""

    first: int
    last: int
    repeat: tuple[int, int] | None = None


@dataclass(frozen=True)
class PagePlan:
    landscape: bool
    scale: float  # 0.9 … 1.0
    widths: tuple[float, ...]  # index 1…n
    repeat_columns: int  # the leading columns printed on every page across
    bands: tuple[tuple[int, int], ...]  # pages across: first…last column (after the repeated ones)
    pages: tuple[RowPage, ...]  # pages down
    title_rows: tuple[int, int] | None  # the workbook's print titles (one range per sheet)

    @property
    def page_count(self) -> int:
        return len(self.bands) * len(self.pages)

    @property
    def row_breaks(self) -> tuple[int, ...]:
        """Sheet rows after which a page ends."""
        return tuple(p.last for p in self.pages[:-1])

    @property
    def column_breaks(self) -> tuple[int, ...]:
        return tuple(last for _first, last in self.bands[:-1])

    @property
    def printable(self) -> tuple[float, float]:
        """Printable width and height (points) of one page at scale 1."""
        w, h = PAGE_POINTS if not self.landscape else PAGE_POINTS[::-1]
        w -= (MARGINS_IN["left"] + MARGINS_IN["right"]) * 72
        h -= (MARGINS_IN["top"] + MARGINS_IN["bottom"]) * 72 + HEADER_FOOTER_PT
        return w, h

    def page_columns(self, band: int) -> list[int]:
        """The columns printed on the ``band``-th page across (repeated ones first)."""
        first, last = self.bands[band]
        return [*range(1, self.repeat_columns + 1), *range(first, last + 1)]


def _printable(landscape: bool) -> tuple[float, float]:
    return PagePlan(landscape, 1.0, (), 0, (), (), None).printable


def pages_across(widths: Sequence[float], repeat_columns: int) -> tuple[bool, float, tuple[tuple[int, int], ...]]:
    """Orientation, scale and the pages across (first…last column after the repeated ones) for
    ``widths``: the fewest pages across that a scale of ``MIN_SCALE`` … 100 % allows, at the
    largest such scale (a whole percent, as Excel keeps it)."""
    n = len(widths) - 1
    points = [0.0] + [width_points(w) for w in widths[1:]]
    landscape = sum(points) > _printable(False)[0]
    page_w = _printable(landscape)[0]
    repeated = sum(points[1:repeat_columns + 1])

    def split(scale: float) -> tuple[tuple[int, int], ...]:
        room = page_w / scale - repeated
        found: list[tuple[int, int]] = []
        first, used = repeat_columns + 1, 0.0
        for c in range(repeat_columns + 1, n + 1):
            if used + points[c] > room and c > first:
                found.append((first, c - 1))
                first, used = c, 0.0
            used += points[c]
        found.append((first, n))
        return tuple(found)

    if sum(points) <= page_w:
        return landscape, 1.0, ((repeat_columns + 1, n),)
    if sum(points) * MIN_SCALE <= page_w:  # one page across, fitted
        return landscape, math.floor(page_w / sum(points) * 100) / 100, ((repeat_columns + 1, n),)
    choices = [(len(split(p / 100)), -p) for p in range(100, round(MIN_SCALE * 100) - 1, -1)]
    count, minus_percent = min(choices)
    return landscape, -minus_percent / 100, split(-minus_percent / 100)


def first_page_width(widths: Sequence[float], repeat_columns: int) -> int:
    """The last column on the first page across: text blocks (title, 说明, signature) stay within it."""
    return pages_across(widths, repeat_columns)[2][0][1]


def plan_pages(widths: Sequence[float], heights: Sequence[float], tables: Sequence[TableSpan],
               repeat_columns: int) -> PagePlan:
    """Pages of a sheet whose columns are ``widths`` (index 1…n) and rows ``heights`` (index 1…last)."""
    landscape, scale, bands = pages_across(widths, repeat_columns)
    page_h = _printable(landscape)[1]
    pages = _row_pages(list(heights), tables, page_h / scale)
    return PagePlan(landscape, scale, tuple(widths), repeat_columns, bands, tuple(pages), _title_rows(tables, pages))


def _title_rows(tables: Sequence[TableSpan], pages: Sequence[RowPage]) -> tuple[int, int] | None:
    """The workbook's print titles. A sheet has one range, repeated on every page after the one
    that holds it: right only when one table runs on and every later page continues it (a table
    or the 说明 starting a later page would print under the wrong header)."""
    spanning = [t for t in tables if any(p.repeat == t.header_rows for p in pages)]
    if len(spanning) != 1:
        return None
    header = spanning[0].header_rows
    start = next(i for i, p in enumerate(pages) if p.first <= header[0] <= p.last)
    return header if all(p.repeat == header for p in pages[start + 1:]) else None


def _row_pages(heights: list[float], tables: Sequence[TableSpan], room: float) -> list[RowPage]:
    """Fill pages row by row; a table moves to a new page rather than leave its header orphaned,
    and a continued table repeats its header; the rows after the last table stay together."""
    last_row = len(heights) - 1
    pages: list[RowPage] = []
    first, repeat = 1, None
    used = sum(heights[1:tables[0].first_row]) if tables else 0.0

    def new_page(before: int, header: tuple[int, int] | None) -> None:
        nonlocal first, used, repeat
        pages.append(RowPage(first, before - 1, repeat))
        first, repeat = before, header
        used = sum(heights[r] for r in header) if header else 0.0

    def span(a: int, b: int) -> float:
        return sum(heights[a:b + 1])

    for i, table in enumerate(tables):
        if i:
            used += span(tables[i - 1].last_row + 1, table.first_row - 1)  # the blank row between tables
        whole = span(table.first_row, table.last_row)
        lead = whole if whole <= room else span(table.first_row, table.header_row + 1 + MIN_ROWS_WITH_HEADER)
        if used + lead > room and table.first_row > first:
            new_page(table.first_row, None)
        used += span(table.first_row, table.header_row + 1)
        for row in range(table.header_row + 2, table.last_row + 1):
            if used + heights[row] > room and row > first:
                new_page(row, table.header_rows)
            used += heights[row]
    tail_start = tables[-1].last_row + 1 if tables else 1
    tail = span(tail_start, last_row)
    if tail_start <= last_row and used + tail > room:
        table = tables[-1]
        keep = min(MIN_ROWS_WITH_HEADER, table.last_row - max(first, table.header_row + 2))
        carried = span(table.last_row - keep + 1, table.last_row)
        if table.first_row < first and keep > 0 and span(*table.header_rows) + carried + tail <= room:
            # a table running on: its last rows go over with the 说明, under the header again
            new_page(table.last_row - keep + 1, table.header_rows)
            used += carried
        elif tail <= room:
            new_page(tail_start, None)
    for row in range(tail_start, last_row + 1):
        if used + heights[row] > room and row > first:
            new_page(row, None)
        used += heights[row]
    pages.append(RowPage(first, last_row, repeat))
    return pages


def sheet_plan(form: FormSpec, layout: FormLayout, widths: Sequence[float],
               heights: dict[int, float], last_row: int) -> PagePlan:
    """The plan of one form sheet: ``heights`` holds the rows whose height is set (others are body rows)."""
    rows = [0.0] + [heights.get(r, BODY_ROW_PT) for r in range(1, last_row + 1)]
    spans = [TableSpan(t.title_row or t.header_row, t.header_row, t.last_row) for t in layout.tables]
    return plan_pages(widths, rows, spans, repeat_columns(form))


def repeat_columns(form: FormSpec) -> int:
    """Columns printed again on every page across: 甲 乙 丙 of grid forms; 序号 and the entry's name
    (its first column, 单位名称 / 项目名称) of forms with a list, so each row is known on every page."""
    if all(t.kind == "grid" for t in form.tables):
        return 3
    named = all(t.kind == "grid" or (t.columns and t.columns[0].type == "text") for t in form.tables)
    return 2 if named else 1
