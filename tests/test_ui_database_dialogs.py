"""The window's start-up checks and 备份与恢复, on real files (offscreen)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from storage.backup import list_backups, make_backup
from tests.faulty_files import damage_pages
from tests.stored import stored_value
from ui import database_dialogs
from ui.database_dialogs import BackupListDialog, DamagedDatabaseDialog
from ui.main_window import MainWindow

CELL = ("energy", "raw_coal", "consumption")


def _window(qtbot, tmp_path: Path, name: str = "s.ini") -> MainWindow:
    window = MainWindow(QSettings(str(tmp_path / name), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    return window


def _demo_report_id(window: MainWindow) -> int:
    assert window.controller.session is not None
    return window.controller.session.report_id


def _stored(db: Path, report_id: int):
    return stored_value(db, report_id, *CELL)


def test_open_makes_a_start_backup_and_close_releases_the_lock(qtbot, tmp_path, messages):
    db = tmp_path / "d" / "jnjp.sqlite"
    window = _window(qtbot, tmp_path)
    assert window.open_database(db, demo=True)
    [start] = list_backups(db)
    assert start.reason == "启动时"
    window.close()
    again = _window(qtbot, tmp_path, "t.ini")
    assert again.open_database(db, demo=True)  # the lock went with the first window
    again.close()
    assert not messages


def test_second_window_on_the_same_database_is_told(qtbot, tmp_path, messages):
    db = tmp_path / "jnjp.sqlite"
    first = _window(qtbot, tmp_path)
    assert first.open_database(db, demo=True)
    second = _window(qtbot, tmp_path, "t.ini")
    assert second.open_database(db, demo=True) is False
    assert second.workspace is None and not second.audit_action.isEnabled()
    [(title, text)] = messages
    assert title == "数据库已被打开" and "请先关闭另一个窗口" in text
    first.close()


def test_window_refused_while_another_process_holds_the_database(qtbot, tmp_path, messages):
    db = tmp_path / "jnjp.sqlite"
    holder = subprocess.Popen([sys.executable, str(Path(__file__).with_name("lock_holder.py")), str(db)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        window = _window(qtbot, tmp_path)
        assert window.open_database(db, demo=True) is False
        assert messages[0][0] == "数据库已被打开" and f"进程号 {holder.pid}" in messages[0][1]
    finally:
        holder.communicate("", timeout=10)
    assert window.open_database(db, demo=True)  # free again once the other program has exited
    window.close()


def _truncate(db: Path) -> None:
    """What a USB drive pulled mid-write can leave: a 0-byte file (its -wal/-shm gone)."""
    for path in db.parent.glob(db.name + "-*"):
        path.unlink()
    db.write_bytes(b"")


@pytest.mark.parametrize("fault", [damage_pages, _truncate], ids=["damaged-pages", "empty-file"])
def test_damaged_database_offers_the_newest_good_backup(qtbot, tmp_path, messages, monkeypatch, fault):
    """A damaged or 0-byte file is kept aside (with the last good backup beside it, out of the
    rotation's reach) and the newest good backup is offered; never a fresh demo database."""
    db = tmp_path / "jnjp.sqlite"
    window = _window(qtbot, tmp_path)
    assert window.open_database(db, demo=True)
    report_id = _demo_report_id(window)
    window.workspace.edit(report_id, CELL, "2468")
    make_backup(db, "导入前")
    window.close()
    fault(db)
    offered = {}

    def choose(_parent, db_path, problem, kept, candidates):
        offered.update(problem=problem, kept=kept, candidates=candidates)
        dialog = DamagedDatabaseDialog(db_path, problem, kept, candidates)  # the real dialog builds
        assert dialog.list.count() == len(candidates)
        return dialog.chosen()

    monkeypatch.setattr(database_dialogs, "choose_backup_for_damaged", choose)
    again = _window(qtbot, tmp_path, "t.ini")
    assert again.open_database(db, demo=True)
    assert any(part in offered["problem"] for part in ("完整性检查未通过", "无法读取", "0 字节"))
    assert offered["kept"].exists() and "damaged" in str(offered["kept"])
    assert offered["candidates"][0].reason == "导入前"
    [pinned] = offered["kept"].parent.glob("故障前最后完好备份_*")
    assert pinned.read_bytes() == offered["candidates"][0].path.read_bytes()
    assert again.workspace.store.load(report_id).values[CELL] == 2468
    assert ("已恢复", f"已从备份 {offered['candidates'][0].path.name} 恢复数据库。") in messages
    again.close()


def test_damaged_database_without_backups_is_refused_clearly(qtbot, tmp_path, messages):
    db = tmp_path / "jnjp.sqlite"
    db.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8000)
    window = _window(qtbot, tmp_path)
    assert window.open_database(db, demo=True) is False
    [(title, text)] = messages
    assert title == "无法打开数据库" and "没有可用的备份" in text and "另存到" in text


def test_backup_dialog_backs_up_and_restores_into_the_window(qtbot, tmp_path, messages):
    db = tmp_path / "jnjp.sqlite"
    window = _window(qtbot, tmp_path)
    assert window.open_database(db, demo=True)
    report_id = _demo_report_id(window)
    window.workspace.edit(report_id, CELL, "1000")
    dialog = BackupListDialog(db, window)
    count = dialog.list.count()
    manual = dialog.backup_now()
    assert manual is not None and dialog.list.count() == count + 1
    assert "手动" in dialog.list.item(0).text()
    window.workspace.edit(report_id, CELL, "5000")
    dialog.list.setCurrentRow(0)
    dialog._restore()  # the confirmation answers Yes
    assert dialog.restore_path == manual
    assert database_dialogs.restore_into_window(window, manual)
    assert window.workspace is not None and window.workspace.store.load(report_id).values[CELL] == 1000
    assert _stored(db, report_id) == 1000
    assert any(b.reason == "恢复前" for b in list_backups(db))
    second = _window(qtbot, tmp_path, "t.ini")
    assert second.open_database(db, demo=True) is False  # the lock was kept through the restore
    window.close()


def test_lock_left_by_another_computer_asks_and_opens_when_confirmed(qtbot, tmp_path, messages, monkeypatch):
    import json

    db = tmp_path / "jnjp.sqlite"
    (tmp_path / "jnjp.sqlite.lock").write_text(json.dumps({"host": "另一台电脑", "user": "李四", "pid": 7,
                                                            "since": "2025-07-01T08:00:00"}), encoding="utf-8")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window = _window(qtbot, tmp_path)
    assert window.open_database(db, demo=True) is False
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _p, title, text, *a, **k: messages.append((title, text)) or QMessageBox.StandardButton.Yes)
    assert window.open_database(db, demo=True)
    assert messages[-1][0] == "数据库可能正在别处使用" and "另一台电脑" in messages[-1][1]
    window.close()


@pytest.mark.parametrize("fault", ["newer_version", "another_programs_file"])
def test_newer_or_foreign_database_is_refused_in_the_window_untouched(qtbot, tmp_path, messages, fault):
    from tests import faulty_files

    db = tmp_path / "jnjp.sqlite"
    window = _window(qtbot, tmp_path)
    assert window.open_database(db, demo=True)
    window.close()
    getattr(faulty_files, fault)(db)
    before = db.read_bytes()
    again = _window(qtbot, tmp_path, "t.ini")
    assert again.open_database(db, demo=True) is False
    [(title, text)] = messages
    expected = {"newer_version": "数据库由较新版本的程序创建（结构版本 99），请使用新版程序打开",
                "another_programs_file": "不是本程序的数据库"}[fault]
    assert title == "无法打开数据库" and expected in text and "数据库未改动" in text
    assert db.read_bytes() == before and again.workspace is None


def test_five_window_starts_of_an_unchanged_database_make_one_backup(qtbot, tmp_path, messages):
    """Also the moment the half-written copy a killed backup left is removed."""
    db = tmp_path / "jnjp.sqlite"
    for n in range(5):
        window = _window(qtbot, tmp_path, f"{n}.ini")
        if n == 1:
            leftover = db.parent / "backups" / ".jnjp_20250101-000000-000000_启动时.sqlite.0123abcd.jnjp-tmp"
            leftover.write_bytes(db.read_bytes())
        assert window.open_database(db, demo=True)
        window.close()
        if n == 1:
            assert not leftover.exists()
    assert [b.reason for b in list_backups(db)] == ["启动时"]
    assert not messages
