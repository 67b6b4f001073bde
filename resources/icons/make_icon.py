"""Draws the program icon (app.png, app.ico) with Qt: a green 节 tile. Re-run to change it.

    QT_QPA_PLATFORM=offscreen .venv/bin/python resources/icons/make_icon.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))


def draw(size: int) -> QImage:
    from ui.theme import cjk_family

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor("#2e7d32"))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(QRectF(size * 0.04, size * 0.04, size * 0.92, size * 0.92), size * 0.18, size * 0.18)
    font = QFont(cjk_family() or "Sans")
    font.setPixelSize(int(size * 0.62))
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(QRectF(0, 0, size, size * 0.96), Qt.AlignmentFlag.AlignCenter, "节")
    p.end()
    return image


def main() -> None:
    QGuiApplication(sys.argv[:1])
    draw(256).save(str(HERE / "app.png"))
    draw(256).save(str(HERE / "app.ico"))
    print(f"已生成 {HERE / 'app.png'}、{HERE / 'app.ico'}")


if __name__ == "__main__":
    main()
