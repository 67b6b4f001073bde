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



def _under_wine() -> bool:
    """The Windows interpreter run by Wine (./build-windows.sh --tests): ntdll exports wine_get_version."""
    import sys

    if sys.platform != "win32":
        return False
    import ctypes

    try:
        return hasattr(ctypes.WinDLL("ntdll"), "wine_get_version")
    except OSError:
        return False


UNDER_WINE = _under_wine()
# Wine's `windows` platform under Xvfb has no window manager: focus does not move between widgets of
# an inactive window and a grab of an unexposed widget is black. Real Windows has neither limit.
WINE_WINDOW_LIMITS = "Wine without a window manager: no focus moves, grabs render black (real Windows untested)"
