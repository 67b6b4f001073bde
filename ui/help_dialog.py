"""帮助 → 使用说明: the Chinese user guide (resources/help/使用说明.md) with its screenshots."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from resources import resource_path

__all__ = ["HelpDialog", "GUIDE_FILE"]

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
