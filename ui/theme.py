"""Colours and fonts shared by the views (one place, so the window looks consistent)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase

__all__ = ["CJK_FONTS", "STATUS_COLOURS", "SEVERITY_COLOURS", "EXPLAINED_WARNING", "READ_ONLY", "TOTAL_ROW", "SEVERITY_TEXT",
           "cjk_family", "apply_cjk_font"]

# Preferred Chinese UI fonts, best first (Windows, macOS, Linux).
# Windows (微软雅黑, 宋体), macOS, 麒麟/统信 UOS (Noto/思源), Debian (文泉驿), then last resorts.
CJK_FONTS = ("Microsoft YaHei", "Microsoft YaHei UI", "PingFang SC", "Noto Sans CJK SC", "Noto Sans SC",
             "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "SimSun",
             "NSimSun", "Droid Sans Fallback", "AR PL UMing CN")

STATUS_COLOURS = {
    "未填": QColor("#7a7a7a"),
    "填报中": QColor("#1f5fbf"),
    "有错误": QColor("#c62828"),
    "有警告": QColor("#c56a00"),
    "已审核": QColor("#2e7d32"),
    "已导出": QColor("#00695c"),
}

# Cell backgrounds by the worst finding of the cell.
SEVERITY_COLOURS = {
    "错误": QColor("#f9d0d0"),
    "警告": QColor("#fde3b0"),
    "提示": QColor("#dcebfa"),
}
EXPLAINED_WARNING = QColor("#fbf3dc")  # a 警告 with an acceptable 说明
READ_ONLY = QColor("#f0f0f0")  # computed and blocked cells, descriptive columns
TOTAL_ROW = QColor("#e6e9ee")
SEVERITY_TEXT = {"错误": QColor("#b71c1c"), "警告": QColor("#a35400"), "提示": QColor("#1a5a9c")}


def cjk_family(families: list[str] | None = None) -> str | None:
    """The first installed font of ``CJK_FONTS`` (None when none is installed)."""
    installed = set(families if families is not None else QFontDatabase.families())
    return next((f for f in CJK_FONTS if f in installed), None)


def apply_cjk_font(font: QFont) -> QFont:
    """``font`` with a Chinese-capable family first, keeping the platform font as fallback."""
    family = cjk_family()
    if family:
        font = QFont(font)
        font.setFamilies([family, *[f for f in font.families() if f != family]])
    return font
