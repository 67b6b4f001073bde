"""The main window's 汇总… and 规划目标进度… actions. Kept apart from their dialogs so the window's
start does not load them (nor QtCharts): each is imported when its action is used."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

if TYPE_CHECKING:
    from ui.main_window import MainWindow

__all__ = ["add_progress_action", "add_summary_action", "fit_to_screen"]


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


def add_summary_action(window: MainWindow) -> QAction:
    """The main window's 汇总… action: the district 汇总 workbook of a period."""
    action = QAction("汇总…", window)
    action.setObjectName("summaryAction")
    action.setToolTip("全区汇总、分类汇总（镇/街道）或选择汇总，导出固定表式的汇总表、对比表和汇总说明")

    def open_dialog() -> None:
        if window.workspace is None:
            return
        from ui.summary_dialog import SummaryDialog

        window.summary_dialog = SummaryDialog(window.workspace, window)
        window.summary_dialog.show()

    action.triggered.connect(open_dialog)
    return action


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Open at ``width`` × ``height``, or smaller on a small screen (1366×768 at 150% is 911×512)."""
    screen = widget.screen()
    if screen is not None:
        room = screen.availableGeometry()
        width, height = min(width, room.width() - 20), min(height, room.height() - 40)
    widget.resize(width, height)
