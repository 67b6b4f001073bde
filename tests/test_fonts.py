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


def test_missing_chinese_font_is_reported(qapp, monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setattr(app_module, "cjk_family", lambda families=None: None)
    monkeypatch.setenv("JNJP_STARTUP_PROBE", "shown")  # quit as soon as the window is painted
    assert app_module.run_gui(tmp_path / "x.sqlite") == 0
    assert "未找到中文字体" in capsys.readouterr().err


def test_program_icon_is_set(qapp) -> None:
    app_module.create_application()
    icon = qapp.windowIcon()
    assert not icon.isNull() and icon.pixmap(64, 64).width() == 64
