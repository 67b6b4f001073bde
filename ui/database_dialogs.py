"""Dialogs around the database file: the start-up checks (another window has it open, the file is
damaged → restore the newest good backup) and 备份与恢复 (list, back up now, restore).

The work is done by ``storage.backup`` and ``storage.instance_lock``; this module only asks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from storage.backup import BackupError, BackupInfo
from storage.database import StorageError
from storage.database_file import DatabaseFile
from storage.instance_lock import AlreadyOpenError, InstanceLock, MaybeOpenElsewhereError

if TYPE_CHECKING:
    from ui.main_window import MainWindow as MainWindowLike

__all__ = ["BackupListDialog", "DamagedDatabaseDialog", "prepare_database", "restore_into_window", "choose_other_or_quit"]


class _BackupList(QListWidget):
    def show_backups(self, backups: list[BackupInfo]) -> None:
        self.clear()
        for info in backups:
            item = QListWidgetItem(info.label)
            item.setData(Qt.ItemDataRole.UserRole, str(info.path))
            item.setToolTip(str(info.path))
            self.addItem(item)
        if backups:
            self.setCurrentRow(0)

    def chosen(self) -> Path | None:
        item = self.currentItem()
        return Path(item.data(Qt.ItemDataRole.UserRole)) if item else None


class DamagedDatabaseDialog(QDialog):
    """The database failed its check: say so, say where the damaged copy is, offer good backups."""

    def __init__(self, db_path: Path, problem: str, kept: Path | None, candidates: list[BackupInfo],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("数据库文件已损坏")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        kept_text = f"损坏的文件已原样另存到：\n{kept}\n（可交区统计局技术人员尝试找回）" if kept else ""
        text = QLabel(f"打开前检查发现数据库文件 {db_path.name} 已损坏：\n{problem}\n\n{kept_text}\n\n"
                      "可以从下面的自动备份中恢复（最新的在最上面）。恢复后，备份之后录入的数据需要重新录入。")
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(text)
        self.list = _BackupList()
        self.list.setObjectName("backupList")
        self.list.show_backups(candidates)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox()
        self.restore_button = buttons.addButton("从所选备份恢复", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("不恢复，退出", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> Path | None:
        return self.list.chosen()


def choose_backup_for_damaged(parent: QWidget | None, db_path: Path, problem: str, kept: Path | None,
                              candidates: list[BackupInfo]) -> Path | None:
    """Show the dialog; the backup to restore, or None. (Tests replace this function.)"""
    dialog = DamagedDatabaseDialog(db_path, problem, kept, candidates, parent)
    return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None


def choose_other_or_quit(parent: QWidget | None) -> Path | None:
    """The database could not be opened (already told why): 打开其他数据库… or 退出, nothing else.
    The database file to try next, or None to quit. (Tests replace this function.)"""
    from PySide6.QtWidgets import QFileDialog

    box = QMessageBox(QMessageBox.Icon.Question, "未打开数据库", "数据库未打开。可以打开另一个数据库，或退出程序。",
                      QMessageBox.StandardButton.NoButton, parent)
    other = box.addButton("打开其他数据库…", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(other)
    while True:
        box.exec()
        if box.clickedButton() is not other:
            return None
        chosen, _ = QFileDialog.getOpenFileName(parent, "打开其他数据库", str(Path.home()), "数据库 (*.sqlite *.db)")
        if chosen:
            return Path(chosen)


def prepare_database(parent: QWidget | None, db_path: Path) -> InstanceLock | None:
    """Before opening: take the one-window lock and check the file (offering a restore when damaged).

    Returns the held lock when the database may be opened, None (after telling the user) when not.
    """
    file = DatabaseFile(db_path)
    lock = file.lock()
    try:
        lock.acquire()
    except MaybeOpenElsewhereError as exc:
        answer = QMessageBox.question(parent, "数据库可能正在别处使用", f"{exc}\n\n是否继续打开？")
        if answer != QMessageBox.StandardButton.Yes:
            return None
        try:
            lock.acquire(force=True)
        except AlreadyOpenError as again:
            QMessageBox.critical(parent, "数据库已被打开", str(again))
            return None
    except AlreadyOpenError as exc:
        QMessageBox.critical(parent, "数据库已被打开", str(exc))
        return None
    except OSError as exc:
        QMessageBox.critical(parent, "无法打开数据库", f"无法打开数据库 {db_path}：无法创建锁文件（{exc.strerror or exc}）")
        return None
    from ui.db_password import unlock_on_open  # s8: a database with a password: asked first

    if not unlock_on_open(parent, db_path):
        lock.release()
        return None
    try:
        damaged = file.prepare()
    except StorageError as problem:  # foreign or newer: nothing to restore, never touched
        lock.release()
        QMessageBox.critical(parent, "无法打开数据库", f"{problem}\n\n数据库未改动。")
        return None
    if damaged is None:
        return lock
    if not damaged.candidates:
        lock.release()
        kept_text = f"\n损坏的文件已另存到：{damaged.kept}" if damaged.kept else ""
        QMessageBox.critical(parent, "无法打开数据库",
                             f"无法打开数据库 {db_path}：{damaged.problem}{kept_text}\n\n"
                             f"备份文件夹 {file.backup_folder} 中没有可用的备份。请联系区统计局。")
        return None
    chosen = choose_backup_for_damaged(parent, db_path, damaged.problem, damaged.kept, damaged.candidates)
    if chosen is None:
        lock.release()
        return None
    try:
        file.restore(chosen)
    except BackupError as exc:
        lock.release()
        QMessageBox.critical(parent, "无法打开数据库", f"无法打开数据库 {db_path}：{exc}")
        return None
    QMessageBox.information(parent, "已恢复", f"已从备份 {chosen.name} 恢复数据库。")
    return lock


class BackupListDialog(QDialog):
    """备份与恢复: the automatic backups of the open database, 立即备份, and 恢复所选备份."""

    def __init__(self, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.file = DatabaseFile(self.db_path)
        self.restore_path: Path | None = None
        self.setWindowTitle("备份与恢复")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        info = QLabel(f"程序每次启动、每次导入前和升级数据库前自动备份，保留最近的备份。\n备份文件夹：{self.file.backup_folder}")
        info.setWordWrap(True)
        info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(info)
        self.list = _BackupList()
        self.list.setObjectName("backupList")
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox()
        self.backup_button = QPushButton("立即备份")
        self.backup_button.setObjectName("backupNow")
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton("恢复所选备份…")
        self.restore_button.setObjectName("restoreBackup")
        self.restore_button.clicked.connect(self._restore)
        buttons.addButton(self.backup_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        backups = self.file.backups()
        self.list.show_backups(backups)
        self.restore_button.setEnabled(bool(backups))

    def backup_now(self) -> Path | None:
        try:
            path = self.file.backup("手动")
        except BackupError as exc:
            QMessageBox.warning(self, "备份失败", str(exc))
            return None
        self.refresh()
        return path

    def _restore(self) -> None:
        chosen = self.list.chosen()
        if chosen is None:
            return
        answer = QMessageBox.question(
            self, "恢复备份",
            f"用备份 {chosen.name} 替换当前数据库？\n\n当前数据库会先另存为一个备份（恢复前），"
            "该备份之后录入的数据将不在恢复后的数据库中。")
        if answer == QMessageBox.StandardButton.Yes:
            self.restore_path = chosen
            self.accept()


def restore_into_window(window: MainWindowLike, backup: Path) -> bool:
    """Close the window's database, restore ``backup`` over it and show it again (lock kept)."""
    from storage.workspace import Workspace

    workspace = window.workspace
    if workspace is None:
        return False
    db_path, catalogue, user = workspace.path, workspace.catalogue, workspace.user
    lock, window._instance_lock = window._instance_lock, None
    workspace.close()
    window.workspace = None
    try:
        DatabaseFile(db_path).restore(backup)
        ok = True
    except BackupError as exc:
        QMessageBox.critical(window, "恢复失败", str(exc))
        ok = False
    try:
        reopened = Workspace.open(db_path, catalogue=catalogue, user=user)
    except StorageError as exc:
        QMessageBox.critical(window, "无法打开数据库", str(exc))
        if lock is not None:
            lock.release()
        return False
    window.attach_workspace(reopened, owns=True)
    window._instance_lock = lock
    if ok:
        window.show_message(f"已从备份 {backup.name} 恢复数据库")
    return ok
