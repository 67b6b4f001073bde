"""帮助 → 使用说明: the Chinese user guide (resources/help/使用说明.md) with its screenshots."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMessageBox,
    QStyle,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from resources import resource_path
from version import APP_NAME, version_text

__all__ = ["HelpDialog", "GUIDE_FILE", "add_help_menu", "help_actions", "show_about"]

GUIDE_FILE = "help/使用说明.md"


class HelpDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("使用说明")
        self.resize(900, 720)
        self.browser = QTextBrowser()
        self.browser.setObjectName("helpBrowser")
        self.browser.setOpenExternalLinks(False)
        path = resource_path(GUIDE_FILE)
        self.browser.setSearchPaths([str(path.parent)])  # the guide's screenshots sit beside it
        try:
            self.browser.setMarkdown(path.read_text(encoding="utf-8"))
        except OSError as exc:
            self.browser.setPlainText(f"找不到使用说明文件 {path}：{exc.strerror or exc}")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)


def show_about(parent: QWidget) -> None:
    """帮助 → 关于: the program and its version."""
    QMessageBox.about(parent, f"关于 {APP_NAME}",
                      f"<h3>{APP_NAME}</h3><p>版本 {version_text()}</p>"
                      "<p>重庆市永川区镇街节能减排统计数据离线填报、审核与导出。</p>"
                      "<p>数据保存在本机数据库文件中，每次修改即自动保存。</p>")


def help_actions(owner: QWidget) -> tuple[QAction, QAction]:
    """使用说明 (F1) and 关于: the same two actions in the township window and the district window."""
    icon = owner.style().standardIcon
    help_action = QAction(icon(QStyle.StandardPixmap.SP_DialogHelpButton), "使用说明", owner)
    help_action.setObjectName("helpAction")
    help_action.setShortcut(QKeySequence("F1"))
    help_action.triggered.connect(lambda: HelpDialog(owner).exec())
    about_action = QAction(icon(QStyle.StandardPixmap.SP_MessageBoxInformation), "关于", owner)
    about_action.setObjectName("aboutAction")
    about_action.triggered.connect(lambda: show_about(owner))
    return help_action, about_action


def add_help_menu(owner: QMainWindow) -> tuple[QAction, QAction]:
    """The 帮助 menu (使用说明, 关于) of a window that has no other help entries (the district window)."""
    help_action, about_action = help_actions(owner)
    menu = owner.menuBar().addMenu("帮助")
    menu.addAction(help_action)
    menu.addSeparator()
    menu.addAction(about_action)
    return help_action, about_action
