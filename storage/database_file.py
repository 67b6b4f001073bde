"""The database file as a whole, before a Workspace opens it and around it: where it lives, the
one-window lock, the check before opening (and what to do with a damaged file), the backups and
their restore. The window reaches the file only through this door (and the data only through
``Workspace``), so the start-up decisions are core code, tested without Qt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from storage.backup import (
    BackupInfo,
    backup_dir,
    backup_on_start,
    clean_backup_leftovers,
    good_backups,
    keep_damaged_copy,
    list_backups,
    make_backup,
    restore_backup,
)
from storage.instance_lock import InstanceLock

__all__ = ["DatabaseFile", "DamagedFile", "StartChoice", "start_database"]


@dataclass(frozen=True)
class DamagedFile:
    """A file that must not be opened as it is: why, where the damaged copy was kept, and the
    good backups to offer (newest first)."""

    problem: str
    kept: Path | None
    candidates: list[BackupInfo]


class DatabaseFile:
    """One database file of this program (it need not exist yet)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @classmethod
    def default(cls) -> DatabaseFile:
        """``data/jnjp.sqlite`` beside the program (or in the user's data folder)."""
        from storage.location import default_db_path

        return cls(default_db_path())

    @property
    def backup_folder(self) -> Path:
        return backup_dir(self.path)

    def lock(self) -> InstanceLock:
        """The one-window lock (not yet acquired)."""
        return InstanceLock(self.path)

    def prepare(self) -> DamagedFile | None:
        """Before opening: clean half-written copies of a killed backup or restore, then check the
        file without writing to it. None: open it. A damaged or empty file (beside backups) is kept
        aside untouched, with the last good backup beside it, and the good backups are offered.
        Another program's file or a newer version's raises its StorageError (nothing touched)."""
        from storage.backup import BackupError
        from storage.opening import DamagedDatabaseError, check_openable

        clean_backup_leftovers(self.path)
        try:
            check_openable(self.path, quick_check=True)
        except DamagedDatabaseError as exc:
            candidates = good_backups(self.path)
            try:
                kept: Path | None = keep_damaged_copy(self.path, last_good=candidates[0].path if candidates else None)
            except BackupError:
                kept = None
            return DamagedFile(str(exc), kept, candidates)
        return None

    def backups(self) -> list[BackupInfo]:
        return list_backups(self.path)

    def backup(self, reason: str = "手动") -> Path:
        return make_backup(self.path, reason)

    def backup_on_start(self) -> Path | None:
        """A backup when the data changed since the last one (``backup.content_marker``)."""
        return backup_on_start(self.path)

    def restore(self, backup: Path) -> Path | None:
        """Replace the file by ``backup`` (every connection closed first); returns where the
        previous file was kept."""
        return restore_backup(self.path, backup)

    # -- w5: a database on read-only media is copied to a writable place ----------------------------
    def copy_to(self, folder: Path) -> tuple[Path, bool]:
        """Copy the database into ``folder`` (SQLite's online backup from a read-only connection,
        checked, written to a temporary name first); returns (the copy, True). A database of the
        same name already there is never overwritten: returns (it, False) to be opened instead."""
        import os
        import sqlite3

        from storage.backup import BackupError, _copy_checked
        from storage.opening import connect_readonly
        from storage.tempnames import temp_name

        target = Path(folder) / self.path.name
        if target.exists():
            return target, False
        temp = temp_name(target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            problems = _copy_checked(connect_readonly(self.path, timeout=10), temp)
            if problems != ["ok"]:
                raise BackupError(f"复制的数据库未通过完整性检查（{'；'.join(map(str, problems[:3]))}）")
            os.replace(temp, target)
        except (OSError, sqlite3.Error) as exc:
            temp.unlink(missing_ok=True)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise BackupError(f"无法把数据库复制到 {folder}：{reason}") from None
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return target, True


@dataclass(frozen=True)
class StartChoice:
    """The database the window opens at start and what to tell about its place: ``read_only``
    (the clerk chooses a writable folder, the database is copied there), ``network`` (a warning),
    ``note`` (the program folder is read-only, so the database lives elsewhere)."""

    file: DatabaseFile
    read_only: str | None = None
    network: str | None = None
    note: str | None = None


def start_database(db_path: Path | None) -> StartChoice:
    """Where the window's database is: ``db_path``, else ``data/jnjp.sqlite`` beside the program —
    also when the program runs from a write-protected USB drive or CD and that database exists (it
    is then offered for copying, never silently replaced by an empty one elsewhere) — else the
    user's data folder. Raises PathTooLongError (storage.opening) when Windows cannot open it."""
    from storage.location import DB_FILENAME, default_db_path, program_dir
    from storage.opening import check_place

    note = None
    if db_path is None:
        db_path = default_db_path()  # JNJP_DB, else data/ beside the program when writable, else the user's
        portable = program_dir() / "data" / DB_FILENAME
        if db_path != portable and not os.environ.get("JNJP_DB"):
            if portable.exists():
                db_path = portable  # the program folder is read-only, with the clerk's data in it
            else:
                note = f"程序所在的文件夹不能写入（写保护的U盘或光盘），数据库保存在：{db_path}"
    place = check_place(Path(db_path))
    return StartChoice(DatabaseFile(db_path), place.read_only, place.network, note)
