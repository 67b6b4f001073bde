"""The main window's 规划目标进度… action. Kept apart from ui.progress_view so the window's start
does not load QtCharts: the view is imported when the action is used."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

if TYPE_CHECKING:
    from ui.main_window import MainWindow

__all__ = ["add_progress_action"]


def add_progress_action(window: MainWindow) -> QAction:
    """The main window's 规划目标进度… action (the window adds it to its toolbar)."""
    action = QAction("规划目标进度…", window)
    action.setObjectName("progressAction")
    action.setToolTip("各项“十四五”节能减排量化目标的完成进度（图表、可导出图片和 Excel）")

    def open_view() -> None:
        if window.workspace is None:
            return
        from district.progress_data import progress_report
        from forms.loader import FormDefinitionError
        from ui.progress_view import ProgressDialog

        try:
            report = progress_report(window.workspace)
        except FormDefinitionError as exc:
            QMessageBox.warning(window, "规划目标文件有误", str(exc))
            return
        window.progress_dialog = ProgressDialog(report, window)
        window.progress_dialog.show()

    action.triggered.connect(open_view)
    return action
