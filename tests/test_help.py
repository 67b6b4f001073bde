"""帮助: the user guide opens in the program with its screenshots, and names real controls."""

from __future__ import annotations

import re

from resources import resource_path
from ui.help_dialog import GUIDE_FILE, HelpDialog


def test_guide_opens_with_its_screenshots(qtbot) -> None:
    dialog = HelpDialog()
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    assert "使用说明" in text and "审核" in text and "导出报表" in text
    guide = resource_path(GUIDE_FILE).read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", guide)
    assert images, "the guide shows screenshots"
    for name in images:
        path = resource_path(GUIDE_FILE).parent / name
        assert path.is_file() and path.stat().st_size > 20_000, name
        assert dialog.browser.document().resource(2, name) is not None  # QTextDocument.ImageResource


def test_version_text_names_the_build() -> None:
    from version import VERSION, version_text

    assert VERSION in version_text() and "构建日期" in version_text()
