"""The main window's 打印 action: 打印当前表… / 打印全部表… / 打印预览 of either, A4 in the exported
workbook's layout (``export.printed_sheet`` lays the pages out, ``ui.printing`` paints them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

if TYPE_CHECKING:
    from export.printed_sheet import PrintedSheet
    from ui.main_window import MainWindow

__all__ = ["add_print_action", "sheets_of"]


def sheets_of(window: MainWindow, all_forms: bool) -> Callable[[], Sequence[PrintedSheet]]:
    """What to print, read when the pages are painted: the open form, or every form of the period."""

    def sheets() -> Sequence[PrintedSheet]:
        from export.printed_sheet import printed_sheets

        session = window.controller.session
        if session is None:
            return []
        keys = None if all_forms else [session.form.key]
        return printed_sheets(session.workspace, session.township.id, session.period, keys)

    return sheets


def add_print_action(window: MainWindow) -> QAction:
    """The 打印 action with its menu (Ctrl+P prints the open form). Qt's print support is loaded
    when it is first used, not at the window's start."""
    action = QAction("打印", window)
    action.setObjectName("printAction")
    action.setToolTip("打印当前表或全部表（A4，与导出的 Excel 版式相同）")
    menu = QMenu(window)
    menu.setObjectName("printMenu")

    def printing(all_forms: bool) -> None:
        if window.controller.session is None:
            QMessageBox.information(window, "打印", "请先打开一张报表。")
            return
        from ui.printing import print_sheets

        print_sheets(window, sheets_of(window, all_forms))

    def preview(all_forms: bool) -> None:
        if window.controller.session is None:
            QMessageBox.information(window, "打印预览", "请先打开一张报表。")
            return
        from ui.printing import preview_sheets

        window.print_preview = preview_sheets(window, sheets_of(window, all_forms))
        window.print_preview.open()

    current = menu.addAction("打印当前表…", lambda: printing(False))
    current.setShortcut(QKeySequence.StandardKey.Print)
    menu.addAction("打印全部表…", lambda: printing(True))
    menu.addSeparator()
    menu.addAction("打印预览（当前表）", lambda: preview(False)).setObjectName("previewCurrent")
    menu.addAction("打印预览（全部表）", lambda: preview(True)).setObjectName("previewAll")
    window.addActions(menu.actions())  # Ctrl+P works without opening the menu
    action.setMenu(menu)
    action.triggered.connect(lambda: printing(False))
    return action
