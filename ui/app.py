"""Start-up of the window: QApplication, Chinese font and translations, then the database.

The window is shown first; the database and the form catalogue are opened
right after, from the event loop, so the program appears at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMainWindow

from ui.theme import apply_cjk_font, cjk_family
from version import APP_NAME, VERSION

NO_CJK_FONT = "未找到中文字体，中文可能显示为方框：请安装微软雅黑、Noto Sans CJK 或文泉驿字体。"

__all__ = ["run_gui", "create_application", "install_translations"]


def install_translations(app: QApplication) -> QTranslator | None:
    """Qt's own zh_CN texts (standard buttons, dialogs) when the Qt install has them."""
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        if translator.load(name, folder):
            app.installTranslator(translator)
            return translator
    return None


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (reused when one exists) with name, Chinese locale, font and translations."""
    from ui.pyside_workarounds import protect_bool_singletons

    protect_bool_singletons()  # before any signal is emitted: see ui/pyside_workarounds.py
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(VERSION)
    app.setOrganizationName("Yongchuan")
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    app.setFont(apply_cjk_font(app.font()))
    from PySide6.QtGui import QIcon

    from resources import resource_path

    app.setWindowIcon(QIcon(str(resource_path("icons/app.png"))))
    install_translations(app)
    return app


def warn_if_no_cjk_font(window: QMainWindow) -> bool:
    """Chinese would render as boxes: say so (stderr and status bar) instead of failing silently."""
    if cjk_family() is not None:
        return False
    print(NO_CJK_FONT, file=sys.stderr)
    window.statusBar().showMessage(NO_CJK_FONT, 60_000)
    return True


def run_gui(db_path: Path | None = None, screenshot: Path | None = None) -> int:
    """Show the main window, open ``db_path`` (default: ``storage.location.default_db_path()``), run.

    With ``screenshot`` the window is rendered to that PNG once the database is open, and the
    program exits (0 when the database opened and the file was written).
    """
    app = create_application()
    from ui.main_window import MainWindow

    window = MainWindow()
    window.show_fitted()  # inside the screen (maximised when the last size does not fit)
    warn_if_no_cjk_font(window)

    def capture(opened: bool) -> None:
        assert screenshot is not None
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        shown = getattr(window, "district_window", None) or window  # a district database's own window
        saved = opened and shown.grab().save(str(screenshot))
        print(f"窗口截图已保存：{screenshot}" if saved else f"无法保存窗口截图：{screenshot}")
        shown.close()
        window.close()
        app.exit(0 if saved else 1)

    # bench/startup.py: JNJP_STARTUP_PROBE=shown|ready quits once the window is painted
    # (before / after the database is open), so cold start is measured on the real program.
    probe = os.environ.get("JNJP_STARTUP_PROBE", "")

    def start() -> None:
        if probe == "shown":
            app.quit()
            return
        if screenshot is not None:  # the picture has the default size, whatever the (offscreen) screen
            from ui.main_window import DEFAULT_SIZE

            window.showNormal()
            window.resize(DEFAULT_SIZE)
        # the screenshot and the start-up probe take the database as it opens; a clerk's start
        # offers 打开其他数据库 / 退出 when it cannot be opened (see MainWindow.start)
        opened = window.open_database(db_path) if (probe or screenshot is not None) else window.start(db_path)
        if probe == "ready":
            app.processEvents()
            app.quit()
        elif screenshot is not None:
            QTimer.singleShot(300, lambda: capture(opened))  # let the layout settle first

    QTimer.singleShot(0, start)
    return app.exec()
