"""Start-up helpers: Chinese font, translations, and a database that cannot be opened."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from ui.app import create_application
from ui.main_window import MainWindow
from ui.theme import CJK_FONTS, cjk_family


def test_application_has_chinese_font_and_name(qapp):
    app = create_application()
    assert app is qapp
    assert app.applicationName() == "永川区节能减排统计填报客户端"
    family = cjk_family()
    if family:  # fonts-wqy-microhei on the test machine, YaHei on Windows
        assert app.font().families()[0] == family
    assert cjk_family(["Arial", "SimSun", "Noto Sans CJK SC"]) == "Noto Sans CJK SC"
    assert cjk_family(["Arial"]) is None
    assert CJK_FONTS[0] == "Microsoft YaHei"


def test_unreadable_database_shows_message_not_crash(qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, title, text, *a, **k: shown.append((title, text)))
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    assert window.open_database(bad) is False
    assert shown and shown[0][0] == "无法打开数据库" and "无法打开数据库" in shown[0][1]
    assert not window.audit_action.isEnabled()
    assert window.workspace is None


def test_open_database_creates_demo_only_when_asked(qtbot, tmp_path):
    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert window.open_database(tmp_path / "new" / "演示数据.sqlite", demo=True)  # 帮助 → 打开演示数据
    assert window.windowTitle().endswith("演示数据.sqlite")
    assert window.controller.township.is_demo
    window.close()
    assert window.workspace is None  # the window owned it and closed it


def test_wind_down_waits_for_background_work_and_destroys_the_windows(qapp, tmp_path):
    """After the event loop (``run_gui``): a background operation still running is waited for and
    its result delivered, and the window is destroyed while the QApplication exists — nothing of
    Qt or of a pool thread is left to interpreter shutdown (a crash at exit under Wine, stop 21)."""
    import threading

    from shiboken6 import isValid

    from ui.app import wind_down
    from ui.operations import run_in_background

    started, release = threading.Event(), threading.Event()

    def job() -> int:
        started.set()
        release.wait()
        return 42

    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    delivered: list[int] = []
    operation = run_in_background(window, "等待", job, delivered.append, progress=False)
    releaser = threading.Thread(target=lambda: (started.wait(), release.set()))
    releaser.start()
    wind_down(window)
    releaser.join()
    assert operation.done and delivered == [42]  # the pool thread finished and its result arrived
    assert not isValid(window)  # destroyed before the interpreter exits
