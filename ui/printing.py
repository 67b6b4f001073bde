"""打印… and 打印预览: paints the pages that ``export.printed_sheet`` lays out (the exported
workbook's layout and page plan) onto a printer, a preview or a PDF. Only painting lives here:
which rows and columns go on which page, and every text, come from the core."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QPagedPaintDevice, QPageLayout, QPageSize, QPainter, QPen
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from export.print_layout import MARGINS_IN, width_points
from export.printed_sheet import PrintedCell, PrintedSheet
from ui import theme
from ui.pyside_workarounds import protect_none_singleton

protect_none_singleton()  # painting makes tens of thousands of void calls: see ui/pyside_workarounds.py

__all__ = ["paint_sheets", "page_count", "print_sheets", "preview_sheets"]

_ALIGN = {"left": Qt.AlignmentFlag.AlignLeft, "center": Qt.AlignmentFlag.AlignHCenter,
          "right": Qt.AlignmentFlag.AlignRight}


def page_count(sheets: Sequence[PrintedSheet]) -> int:
    return sum(len(s.pages()) for s in sheets)


def _layout(landscape: bool) -> QPageLayout:
    margins = QMarginsF(MARGINS_IN["left"] * 72, MARGINS_IN["top"] * 72, MARGINS_IN["right"] * 72,
                        MARGINS_IN["bottom"] * 72)
    orientation = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), orientation, margins, QPageLayout.Unit.Point)


def _font(size: float, bold: bool, dots: float) -> QFont:
    """A font ``size`` points high on paper while the painter is scaled to points (``dots`` device
    pixels a point: Qt would scale the font's own point size once more)."""
    font = theme.apply_cjk_font(QFont())
    font.setPointSizeF(size / dots)
    font.setBold(bold)
    return font


def paint_sheets(device: QPagedPaintDevice, sheets: Sequence[PrintedSheet]) -> int:
    """Paint every page of ``sheets`` (A4, each sheet's orientation; down, then across, as Excel
    prints); returns how many pages were painted."""
    painted, total = 0, page_count(sheets)  # numbered through the whole print, as LibreOffice does
    painter: QPainter | None = None
    for sheet in sheets:
        plan = sheet.plan
        assert plan is not None
        for band, number in sheet.pages():
            painted += 1
            device.setPageLayout(_layout(plan.landscape))
            if painter is None:
                painter = QPainter(device)
            else:
                device.newPage()
            _paint_page(painter, device, sheet, band, number, f"第 {painted} 页 共 {total} 页")
    if painter is not None:
        painter.end()
    return painted


def _paint_page(painter: QPainter, device: QPagedPaintDevice, sheet: PrintedSheet, band: int, number: int,
                page_number: str) -> None:
    plan = sheet.plan
    assert plan is not None
    page = plan.pages[number]
    painter.save()
    dots = device.logicalDpiX() / 72.0  # painter units per point
    paper = device.pageLayout().paintRect(QPageLayout.Unit.Point)
    painter.scale(dots, dots)
    # the page header and footer sit in the margins, as Excel's
    painter.setFont(_font(10, False, dots))
    painter.setPen(QPen(Qt.GlobalColor.black))
    top = -(MARGINS_IN["top"] - MARGINS_IN["header"]) * 72
    head = QRectF(0, top, paper.width(), 14)
    painter.drawText(head, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, sheet.header_left)
    painter.drawText(head, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, sheet.header_right)
    foot = QRectF(0, paper.height() + (MARGINS_IN["bottom"] - MARGINS_IN["footer"]) * 72 - 14, paper.width(), 14)
    painter.drawText(foot, Qt.AlignmentFlag.AlignCenter, page_number)
    # the table, at the plan's scale, centred across
    columns = plan.page_columns(band)
    x_of: dict[int, float] = {}
    x = 0.0
    for c in columns:
        x_of[c] = x
        x += width_points(sheet.widths[c])
    painter.translate(max(0.0, (paper.width() / plan.scale - x) / 2) * plan.scale, 0)
    painter.scale(plan.scale, plan.scale)
    rows = ([*range(page.repeat[0], page.repeat[1] + 1)] if page.repeat else []) + [*range(page.first, page.last + 1)]
    y = 0.0
    for r in rows:
        height = sheet.heights.get(r, 14.0)
        for cell in sheet.rows.get(r, []):
            spanned = [c for c in range(cell.first, cell.last + 1) if c in x_of]
            if spanned and (len(spanned) == cell.last - cell.first + 1):  # a text block cut by the page: on page 1 across
                _paint_cell(painter, cell, QRectF(x_of[spanned[0]], y, sum(width_points(sheet.widths[c])
                                                                           for c in spanned), height), dots)
        y += height
    painter.restore()


def _paint_cell(painter: QPainter, cell: PrintedCell, rect: QRectF, dots: float) -> None:
    if cell.border:
        painter.setPen(QPen(Qt.GlobalColor.black, 0.5))
        painter.drawRect(rect)
    if not cell.text:
        return
    painter.setFont(_font(cell.size, cell.bold, dots))
    inner = rect.adjusted(3 + 10 * cell.indent, 1, -3, -1)
    flags = _ALIGN[cell.align] | Qt.AlignmentFlag.AlignVCenter
    if cell.wrap:
        flags |= Qt.TextFlag.TextWordWrap
    painter.drawText(inner, int(flags), cell.text)


def print_sheets(parent: QWidget | None, sheets_for: Callable[[], Sequence[PrintedSheet]]) -> bool:
    """打印…: the system's print dialog, then the pages; False when cancelled or nothing to print."""
    sheets = sheets_for()
    if not sheets:
        return False
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(_layout(bool(sheets[0].plan and sheets[0].plan.landscape)))
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("打印")
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    return paint_sheets(printer, sheets) > 0


def preview_sheets(parent: QWidget | None, sheets_for: Callable[[], Sequence[PrintedSheet]]) -> QPrintPreviewDialog:
    """打印预览: Qt's preview of the same pages (print from it too)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.printer_kept = printer  # the dialog holds no reference of its own: the printer must outlive it
    dialog.setWindowTitle("打印预览")
    dialog.paintRequested.connect(lambda device: paint_sheets(device, sheets_for()))
    return dialog
