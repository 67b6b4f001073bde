"""The database password in the window (issue 15): asked when a database with a password is opened,
and 设置密码… (set, change or remove) on the 文件 menu. The work is ``storage.cipher``'s; this module
only asks and tells. A forgotten password is said plainly to be unrecoverable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMainWindow, QMessageBox, QWidget

from storage import cipher

__all__ = ["unlock_on_open", "add_password_action", "change_password", "file_menu_action"]


def _ask(parent: QWidget | None, title: str, text: str) -> str | None:
    value, ok = QInputDialog.getText(parent, title, text, QLineEdit.EchoMode.Password)
    return value if ok else None


def unlock_on_open(parent: QWidget | None, db_path: Path, ask: Any = None) -> bool:
    """True when ``db_path`` may be opened: it has no password, or the right one was typed (after five
    wrong tries each try waits longer, ``cipher.retry_delay``). False: cancelled (nothing opened)."""
    if cipher.password_for(db_path) is not None or not cipher.looks_encrypted(db_path):
        return True
    if not cipher.available():
        QMessageBox.critical(parent, "无法打开数据库", "这个数据库设有数据库密码，但本程序缺少 SQLCipher 组件，无法打开")
        return False
    ask = ask or _ask
    failures = 0
    note = ""
    while True:
        password = ask(parent, "数据库密码", f"{note}数据库 {Path(db_path).name} 设有密码，请输入：\n\n"
                                            f"（{cipher.FORGOTTEN_TEXT}）")
        if password is None:
            return False
        try:
            cipher.unlock(db_path, password, failures=failures)
            return True
        except cipher.WrongPasswordError:
            failures += 1
            wait = cipher.retry_delay(failures)
            note = f"密码不对（已错{failures}次）" + (f"，下一次须等待{wait:.0f}秒" if wait else "") + "。\n"


def _new_password(parent: QWidget | None, ask: Any) -> str | None:
    first = ask(parent, "设置数据库密码", "新的数据库密码（至少 8 个字符）：\n\n" + cipher.FORGOTTEN_TEXT)
    if first is None:
        return None
    if ask(parent, "设置数据库密码", "再输入一次：") != first:
        QMessageBox.warning(parent, "设置数据库密码", "两次输入的密码不一致，未设置")
        return None
    return first


def change_password(window: Any, *, remove: bool = False, ask: Any = None) -> bool:
    """Set (or change, or with ``remove`` take off) the open database's password: the window's
    database is closed, rewritten with its backups, and opened again (its lock kept throughout)."""
    from storage.database import StorageError
    from storage.workspace import Workspace

    workspace = window.workspace
    if workspace is None:
        return False
    ask = ask or _ask
    db_path = Path(workspace.path)
    old = cipher.password_for(db_path)
    if remove and old is None:
        QMessageBox.information(window, "数据库密码", "这个数据库没有设置密码")
        return False
    new = None if remove else _new_password(window, ask)
    if not remove and new is None:
        return False
    catalogue, user = workspace.catalogue, workspace.user
    workspace.close()
    window.workspace = None
    try:
        if remove:
            assert old is not None
            cipher.remove_password(db_path, old)
        else:
            assert new is not None
            cipher.set_password(db_path, new, old=old)
        done = "已取消数据库密码" if remove else "已设置数据库密码：数据库和备份已加密"
    except StorageError as exc:
        QMessageBox.critical(window, "数据库密码", str(exc))
        done = ""
    window.attach_workspace(Workspace.open(db_path, catalogue=catalogue, user=user), owns=True)
    if done:
        window.show_message(done)
    return bool(done)


def file_menu_action(window: QMainWindow, text: str, name: str, slot: Any, tip: str = "") -> QAction:
    """One more action on the window's 文件 menu (made when missing)."""
    menu = next((a.menu() for a in window.menuBar().actions() if a.text() == "文件"), None) \
        or window.menuBar().addMenu("文件")
    action = QAction(text, window)
    action.setObjectName(name)
    action.setToolTip(tip)
    action.triggered.connect(slot)
    menu.addAction(action)
    return action


def add_password_action(window: QMainWindow) -> QAction:
    """文件 → 设置数据库密码… (set or change) and 取消数据库密码…"""
    action = file_menu_action(window, "设置数据库密码…", "dbPasswordAction", lambda: change_password(window),
                              "数据库和备份整体加密：打开时须输入密码（忘记无法找回）")
    file_menu_action(window, "取消数据库密码…", "dbPasswordRemoveAction", lambda: change_password(window, remove=True))
    return action
