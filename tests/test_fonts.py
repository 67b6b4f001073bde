"""Chinese must render on every target: the font choice covers Windows, 麒麟/统信 UOS and Debian,
and a machine with no Chinese font is told so instead of showing boxes silently."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics

import ui.app as app_module
from ui.theme import CJK_FONTS, cjk_family


def test_font_list_covers_the_target_systems() -> None:
    for family in ("Microsoft YaHei", "SimSun", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei"):
        assert family in CJK_FONTS
    assert CJK_FONTS.index("Microsoft YaHei") < CJK_FONTS.index("SimSun")  # 雅黑 reads better on screen


def test_the_chosen_font_really_has_chinese_glyphs(qapp) -> None:
    family = cjk_family()
    assert family is not None, "CI installs fonts-wqy-microhei"
    assert QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(family)
    assert QFontMetrics(QFont(family)).inFontUcs4(ord("镇"))


def test_missing_chinese_font_is_reported(qtbot, monkeypatch, capsys) -> None:
    from PySide6.QtWidgets import QMainWindow

    window = QMainWindow()
    qtbot.addWidget(window)
    assert not app_module.warn_if_no_cjk_font(window)  # this machine has one
    monkeypatch.setattr(app_module, "cjk_family", lambda families=None: None)
    assert app_module.warn_if_no_cjk_font(window)
    assert "未找到中文字体" in capsys.readouterr().err
    assert "未找到中文字体" in window.statusBar().currentMessage()


def test_program_icon_is_set(qapp) -> None:
    app_module.create_application()
    icon = qapp.windowIcon()
    assert not icon.isNull() and icon.pixmap(64, 64).width() == 64
