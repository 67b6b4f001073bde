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

__all__ = ["ask_unready_export", "show_exported", "open_folder", "ask_no_data_reason", "SEALED_FILTER",
           "READABLE_FILTER", "export_filters", "chosen_export_path"]

SEALED_FILTER = "密封报送文件 (*.jnjp)"
READABLE_FILTER = "可读工作簿 (*.xlsx)"


def export_filters(default_name: str) -> str:
    """The save dialog's file types (r1): with a sealed default (a district key is pinned) the
    sealed file comes first and is the default, the readable workbook is the other choice."""
    if default_name.lower().endswith(".jnjp"):
        return f"{SEALED_FILTER};;{READABLE_FILTER}"
    return "Excel 工作簿 (*.xlsx)"


def chosen_export_path(path: str, selected_filter: str) -> Path:
    """The file the user chose, with the suffix of the file type chosen in the dialog (the type
    decides, so switching it without retyping the name carries what was chosen)."""
    suffix = ".jnjp" if selected_filter == SEALED_FILTER else ".xlsx"
    chosen = Path(path)
    if chosen.suffix.lower() in (".jnjp", ".xlsx"):
        return chosen.with_suffix(suffix)
    return chosen.with_name(chosen.name + suffix)


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


def exported_text(path: Path, sealed: Path | None = None, archive: Path | None = None) -> str:
    """Where each file went, in the clerk's words (r1: with ``archive`` only the sealed file was
    written to the chosen place, the readable workbook to the township's records)."""
    if archive is not None:
        return (f"密封报送文件已写到：\n{sealed or path}\n（只有区统计局能打开，U盘遗失也不会泄露数据；报送时带这个文件）\n\n"
                f"可读的 Excel 工作簿已存入本镇街存档：\n{archive}\n（打印和存档用，不要带出）\n\n")
    if sealed is not None:
        return (f"报表已导出到：\n{path}\n密封报送文件：\n{sealed}\n\n请将密封报送文件（.jnjp）报送区统计局。"
                "注意：可读的 Excel 文件也在同一位置，U盘遗失时可被读取。\n")
    return f"报表已导出到：\n{path}\n\n请将此文件报送区统计局（尚未导入区里的密钥，文件未密封）。"


def show_exported(parent: Any, path: Path, sealed: Path | None = None, archive: Path | None = None) -> QMessageBox:
    """Where the exported files are, with 打开所在文件夹 (and, when the readable workbook was
    archived, 打开存档文件夹) and 确定."""
    box = QMessageBox(QMessageBox.Icon.Information, "已导出", exported_text(path, sealed, archive)
                      + "报送后如再修改，须重新导出。", QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("exportedBox")
    folder = box.addButton("打开所在文件夹", QMessageBox.ButtonRole.ActionRole)
    records = box.addButton("打开存档文件夹", QMessageBox.ButtonRole.ActionRole) if archive is not None else None
    box.addButton("确定", QMessageBox.ButtonRole.AcceptRole)
    box.buttonClicked.connect(lambda button: open_folder(path) if button is folder
                              else open_folder(archive) if archive is not None and button is records else None)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()  # window-modal, without a nested event loop: the export's callback returns at once
    return box
