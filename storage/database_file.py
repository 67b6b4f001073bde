"""The database file as a whole, before a Workspace opens it and around it: where it lives, the
one-window lock, the check before opening (and what to do with a damaged file), the backups and
their restore. The window reaches the file only through this door (and the data only through
``Workspace``), so the start-up decisions are core code, tested without Qt.
"""

from __future__ import annotations

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

__all__ = ["DatabaseFile", "DamagedFile"]


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
