"""The real main window as a test opens it."""

from __future__ import annotations

from pathlib import Path


def show_window(qtbot, workspace, tmp_path: Path, township_id: int | None = None, period: str = "2025"):  # noqa: ANN001, ANN201
    """The real main window (its own settings file) on ``workspace``, with one township and period
    chosen as a clerk would pick them."""
    from PySide6.QtCore import QSettings

    from ui.main_window import MainWindow

    window = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    window.attach_workspace(workspace)
    if township_id is not None:
        window.township_combo.setCurrentIndex(window.township_combo.findData(township_id))
        window.period_combo.setCurrentIndex(window.period_combo.findData(period))
    return window

