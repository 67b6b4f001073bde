"""导出报表 around the file dialog (issue 13.11, 13.13): what is not ready is said BEFORE asking
where to save, with the choices; after the export, where the file is, with 打开所在文件夹.

The checks themselves are ``export.export_gate.export_readiness`` (core); these only ask.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

if TYPE_CHECKING:
    from export.export_gate import Readiness

__all__ = ["ask_unready_export", "show_exported", "open_folder", "ask_no_data_reason"]


def ask_no_data_reason(parent: QWidget | None, names: str) -> str | None:
    """The reason of a 本期无数据 declaration (None: cancelled)."""
    reason, ok = QInputDialog.getText(parent, "声明本期无数据",
                                      f"{names}\n\n本期确实没有数据时，请写明原因（例如“本街道无农业生产”）：")
    return reason.strip() if ok and reason.strip() else None


def ask_unready_export(parent: QWidget | None, readiness: Readiness) -> tuple[str, str] | None:
    """("declare", reason) — declare the empty forms 本期无数据; ("show", "") — go to the first
    problem; None — cancel. The export itself still refuses anything not ready."""
    box = QMessageBox(QMessageBox.Icon.Warning, "报表尚不能导出",
                      "导出前检查发现：\n\n" + "\n".join(f"· {line}" for line in readiness.lines())
                      + "\n\n空表如本期确实没有数据，可声明“本期无数据”（写明原因）后导出；"
                        "错误须改正，警告须在单元格填写说明。", QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("unreadyExportBox")
    declare = None
    if readiness.empty and not (readiness.errors or readiness.unexplained or readiness.declared_with_data):
        declare = box.addButton("声明空表本期无数据…", QMessageBox.ButtonRole.AcceptRole)
    show = box.addButton("转到问题", QMessageBox.ButtonRole.ActionRole)
    box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(show)
    box.exec()
    clicked = box.clickedButton()
    if declare is not None and clicked is declare:
        reason = ask_no_data_reason(parent, "、".join(f"{f.code} {f.name}" for f in readiness.empty))
        return ("declare", reason) if reason else None
    return ("show", "") if clicked is show else None


def open_folder(path: Path) -> bool:
    """The file manager on the folder holding ``path`` (Explorer on Windows)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))


def show_exported(parent: Any, path: Path, sealed: Path | None = None) -> QMessageBox:
    """Where the exported file is, with 打开所在文件夹 (and 确定); with a sealed copy (s8) that is
    the file to carry, the readable workbook stays for printing and the township's records."""
    carry = (f"报表已导出到：\n{path}\n密封报送文件：\n{sealed}\n\n请将密封报送文件（.jnjp）报送区统计局，"
             "Excel 文件留作打印和存档。" if sealed else f"报表已导出到：\n{path}\n\n请将此文件报送区统计局。")
    box = QMessageBox(QMessageBox.Icon.Information, "已导出", carry + "报送后如再修改，须重新导出。",
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("exportedBox")
    folder = box.addButton("打开所在文件夹", QMessageBox.ButtonRole.ActionRole)
    box.addButton("确定", QMessageBox.ButtonRole.AcceptRole)
    box.buttonClicked.connect(lambda button: open_folder(path) if button is folder else None)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()  # window-modal, without a nested event loop: the export's callback returns at once
    return box
