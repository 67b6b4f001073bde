"""Start-up of the window: QApplication, Chinese font and translations, then the database.

The window is shown first; the database and the form catalogue are opened
right after, from the event loop, so the program appears at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QThreadPool, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMainWindow

from ui.theme import apply_cjk_font, cjk_family
from version import APP_NAME, VERSION

if TYPE_CHECKING:
    from collections.abc import Callable

    from storage.database_file import DatabaseFile

NO_CJK_FONT = "未找到中文字体，中文可能显示为方框：请安装微软雅黑、Noto Sans CJK 或文泉驿字体。"

__all__ = ["run_gui", "create_application", "install_translations", "open_start_database", "wind_down"]


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
    from ui.pyside_workarounds import protect_bool_singletons, protect_none_singleton

    protect_bool_singletons()  # before any signal is emitted: see ui/pyside_workarounds.py
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    protect_none_singleton()  # every void Qt call drops a reference to None (it measures with a QObject)
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


# -- w5: the database's place at start (read-only media, network share, a path too long) ------------

READ_ONLY_ADVICE = ("程序不能在这里保存修改。请选择一个可以写入的文件夹（例如 D:\\节能减排），"
                    "程序会把数据库复制过去并打开副本；原来的文件不会改动。\n\n现在选择文件夹吗？")


def ask_writable_folder(parent: QMainWindow, start: Path) -> Path | None:
    """The folder dialog (tests replace this function)."""
    from PySide6.QtWidgets import QFileDialog

    chosen = QFileDialog.getExistingDirectory(parent, "选择可以写入的文件夹", str(start))
    return Path(chosen) if chosen else None


def copy_to_writable_place(window: QMainWindow, file: DatabaseFile, reason: str) -> Path | None:
    """The database cannot be written where it is: the clerk chooses a writable folder and gets a
    checked copy there (an existing database of that name is opened, never overwritten)."""
    from PySide6.QtWidgets import QMessageBox

    from storage.backup import BackupError
    from storage.location import default_data_dir
    from storage.opening import folder_writable
    from storage.windows_paths import long_path_message, too_long_for_windows

    answer = QMessageBox.question(window, "数据库所在位置不能写入", f"{reason}\n\n{READ_ONLY_ADVICE}")
    if answer != QMessageBox.StandardButton.Yes:
        return None
    start = default_data_dir()
    while (folder := ask_writable_folder(window, start)) is not None:
        target = folder / file.path.name
        problem = None
        if too_long_for_windows(target):
            problem = long_path_message(target)
        elif not folder_writable(folder):
            problem = f"文件夹 {folder} 也不能写入，请另选一个（例如本机 D 盘上的文件夹）。"
        elif not file.path.exists():
            return target  # nothing to copy: the new database is made there
        else:
            try:
                copy, made = file.copy_to(folder)
            except BackupError as exc:
                problem = str(exc)
            else:
                QMessageBox.information(window, "已复制数据库",
                                        f"已把数据库复制到：\n{copy}\n以后请打开这个副本填报。" if made else
                                        f"文件夹中已有数据库 {copy}（未覆盖），现在打开它。")
                return copy
        QMessageBox.warning(window, "不能使用该文件夹", problem)
        start = folder
    return None


def open_start_database(window: QMainWindow, db_path: Path | None,
                        opener: Callable[[Path | None], bool] | None = None) -> bool:
    """Open the start-up database (``storage.database_file.start_database``) after checking its
    place: a path Windows cannot open is refused, read-only media leads to a writable copy, a
    network share is warned about (in the window and on stderr). ``opener`` opens the chosen
    path (default ``window.open_database``; the clerk's start passes ``MainWindow.start``, which
    offers only 打开其他数据库 / 退出 when a database cannot be opened)."""
    from PySide6.QtWidgets import QMessageBox

    from storage.database_file import start_database
    from storage.opening import PathTooLongError

    try:
        choice = start_database(db_path)
    except PathTooLongError as exc:
        QMessageBox.critical(window, "无法打开数据库", str(exc))
        return _not_opened(window, "数据库未打开", opener)
    path: Path | None = choice.file.path
    if choice.read_only:
        path = copy_to_writable_place(window, choice.file, choice.read_only)
        if path is None:
            return _not_opened(window, "数据库未打开：所在位置不能写入", opener)
    elif choice.network:
        print(choice.network, file=sys.stderr)
        QMessageBox.warning(window, "数据库在网络共享上", choice.network)
    opened = (opener or window.open_database)(path)  # type: ignore[attr-defined]
    if opened and (choice.note or choice.network):
        window.statusBar().showMessage(choice.note or choice.network.splitlines()[0], 60_000)
    return opened


def _not_opened(window: QMainWindow, message: str, opener: Callable[[Path | None], bool] | None) -> bool:
    """The start-up database could not be opened: at a clerk's start offer only 打开其他数据库 / 退出
    (``MainWindow.open_other_or_quit``; never an empty window that looks live); for a probe or
    screenshot say so and stop."""
    window.statusBar().showMessage(message)
    return opener is not None and window.open_other_or_quit()  # type: ignore[attr-defined]


def run_gui(db_path: Path | None = None, screenshot: Path | None = None, demo: bool = False) -> int:
    """Show the main window, open ``db_path`` (default: ``storage.location.default_db_path()``), run.

    With ``screenshot`` the window is rendered to that PNG once the database is open, and the
    program exits (0 when the database opened and the file was written). With ``demo`` the demo
    database is opened (``--demo``: ``db_path``, else 演示数据.sqlite beside the default database),
    filled with the demo township when new — a clerk's own new database never is.
    """
    app = create_application()
    from ui.main_window import MainWindow

    window = MainWindow()
    window.show_fitted()  # inside the screen (maximised when the last size does not fit)
    warn_if_no_cjk_font(window)

    def capture(opened: bool) -> None:
        assert screenshot is not None
        QThreadPool.globalInstance().waitForDone()  # findings made off the UI thread: in the picture
        QCoreApplication.sendPostedEvents()
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
        if demo:
            from storage.location import default_db_path
            from ui.first_start import demo_database_path

            demo_path = db_path or demo_database_path(default_db_path())
            opened = open_start_database(window, demo_path, opener=lambda p: window.open_database(p, demo=True))
        else:
            opened = open_start_database(window, db_path,
                                         opener=None if (probe or screenshot is not None) else window.start)
        if probe == "ready":
            app.processEvents()
            app.quit()
        elif screenshot is not None:
            QTimer.singleShot(300, lambda: capture(opened))  # let the layout settle first

    QTimer.singleShot(0, start)
    code = app.exec()
    wind_down(window)
    return code


def wind_down(*windows: QMainWindow) -> None:
    """After the event loop, before the interpreter exits: background operations finish (their
    threads run Python and SQLite) and the windows are destroyed while the QApplication still
    exists, so nothing of Qt is torn down in whatever order interpreter shutdown picks (the
    Windows build under Wine once crashed there after its screenshot)."""
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.sendPostedEvents()  # their results, delivered to windows that still exist
    from shiboken6 import isValid

    for window in windows:
        for shown in (getattr(window, "district_window", None), window):
            if shown is not None and isValid(shown):  # (a closed district window deleted itself)
                shown.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
