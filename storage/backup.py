"""Automatic rotating backups of the database, the start-up health check and restore.

Backups are written with SQLite's online backup API (consistent even while the program has the
file open in WAL mode), to a temporary name, checked with ``PRAGMA quick_check`` and only then
renamed into ``backups/`` beside the database: a backup that exists is a good one. The newest
``KEEP`` are kept. Names carry a timestamp and the reason, so they sort by age and say why.

No Qt here: the window's dialogs (``ui.backup_dialogs``) and the CLI call these functions.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from storage.tempnames import clean_leftovers, temp_name
from user_error import UserError

__all__ = ["BackupError", "BackupInfo", "KEEP", "backup_dir", "make_backup", "list_backups", "check_database",
           "good_backups", "keep_damaged_copy", "restore_backup", "backup_on_start", "content_marker",
           "clean_backup_leftovers"]

KEEP = 10  # automatic backups kept per database
BACKUP_DIRNAME = "backups"
DAMAGED_DIRNAME = "damaged"
_STAMP_FORMAT = "%Y%m%d-%H%M%S-%f"
_NAME = re.compile(r"^(?P<stem>.+)_(?P<stamp>\d{8}-\d{6}-\d{6})_(?P<reason>[^.]*)\.sqlite$")
_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff-]+")


class BackupError(UserError, RuntimeError):
    """A backup or restore problem, worded for the user."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created: _dt.datetime
    reason: str
    size: int

    @property
    def label(self) -> str:
        """"2025-06-30 14:02:11  启动时（1.2 MB）" — one line of the restore dialog."""
        return f"{self.created:%Y-%m-%d %H:%M:%S}  {self.reason or '备份'}（{_size_text(self.size)}）"


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def backup_dir(db_path: Path) -> Path:
    """``backups/`` beside the database (on the USB drive too when the database is there)."""
    return Path(db_path).parent / BACKUP_DIRNAME


def _connect(path: Path, **kwargs: object) -> sqlite3.Connection:
    """s8: keyed when the database has a password (``storage.cipher``): backups stay encrypted."""
    from storage.cipher import connect

    return connect(path, **kwargs)


def _connect_readonly(path: Path) -> sqlite3.Connection:
    return _connect(path, readonly=True, timeout=10)


def check_database(path: Path) -> str | None:
    """None when ``PRAGMA quick_check`` passes, else what is wrong (Chinese).

    A missing file is fine (a first run creates it); an empty (0-byte) one is not: as a backup it
    holds nothing, as the database it is what a USB drive pulled mid-write leaves.
    """
    path = Path(path)
    if not path.exists():
        return None
    if path.stat().st_size == 0:
        return "文件为空（0 字节）"
    try:
        conn = _connect_readonly(path)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"数据库文件无法读取：{exc}"
    if rows == ["ok"]:
        return None
    detail = "；".join(str(r) for r in rows[:3])
    return f"数据库完整性检查未通过：{detail}"


def _copy_checked(source: sqlite3.Connection, temp: Path) -> list[str]:
    """Copy ``source`` (closed afterwards) into ``temp`` with SQLite's online backup API, as one
    self-contained file (no -wal), and return the copy's ``quick_check`` result."""
    try:
        target = _connect(temp)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")
            return [r[0] for r in target.execute("PRAGMA quick_check").fetchall()]
        finally:
            target.close()
    finally:
        source.close()


@contextmanager
def _temporary(temp: Path, database_error: Callable[[sqlite3.DatabaseError], str],
               file_error: Callable[[OSError], str]) -> Iterator[None]:
    """A copy being written to ``temp``: on any failure the temporary file goes, and a database or
    file-system error becomes a BackupError worded by the caller."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        temp.unlink(missing_ok=True)
        raise BackupError(database_error(exc)) from None
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise BackupError(file_error(exc)) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def make_backup(db_path: Path, reason: str, *, keep: int = KEEP) -> Path:
    """Copy the database into ``backups/`` (online backup API, checked), keep the newest ``keep``.

    Called on start and before every import and migration. Raises BackupError (Chinese) when the
    database cannot be read or the copy fails its check; then no file is left behind.
    """
    db_path = Path(db_path)
    if not db_path.exists():
        raise BackupError(f"无法备份：数据库文件 {db_path} 不存在")
    folder = backup_dir(db_path)
    stamp = _dt.datetime.now().strftime(_STAMP_FORMAT)
    safe_reason = _UNSAFE.sub("-", reason).strip("-")[:20]
    final = folder / f"{db_path.stem}_{stamp}_{safe_reason}.sqlite"
    temp = temp_name(final)
    with _temporary(temp, lambda exc: f"无法备份数据库 {db_path}：{exc}",
                    lambda exc: f"无法写入备份文件夹 {folder}：{exc.strerror or exc}"):
        folder.mkdir(parents=True, exist_ok=True)
        problem = _copy_checked(_connect(db_path, timeout=10), temp)
        if problem != ["ok"]:
            raise BackupError(f"备份未通过完整性检查（{'；'.join(map(str, problem[:3]))}），原数据库可能已损坏")
        os.replace(temp, final)
    _rotate(db_path, keep)
    return final


def content_marker(path: Path) -> str | None:
    """What the data is, cheaply: structure version, newest audit entry (every value, note, row and
    status change is audited) and a digest of the small unaudited tables (profiles, periods,
    settings, reports). Equal markers mean the same data. None when the file cannot be read."""
    try:
        conn = _connect_readonly(Path(path))
        try:
            digest = hashlib.sha256()
            for sql in ("PRAGMA user_version", "SELECT max(id) FROM audit",
                        "SELECT * FROM townships ORDER BY id", "SELECT * FROM periods ORDER BY 1, 2",
                        # the window's place (e6, storage.workspace.PLACE_SETTING) is no data: opening and closing backs up nothing new
                        "SELECT * FROM settings WHERE key <> 'window_place' ORDER BY key",
                        "SELECT count(*), max(id) FROM reports"):
                digest.update(repr(conn.execute(sql).fetchall()).encode("utf-8"))
            return digest.hexdigest()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def backup_on_start(db_path: Path, *, keep: int = KEEP) -> Path | None:
    """The start-up backup, skipped when the data is the same as in the newest backup (compared by
    ``content_marker``, not file times: opening the program touches the -wal/-shm files), so
    opening the program ten times a day does not push a week-old good copy out of the rotation."""
    db_path = Path(db_path)
    if not db_path.exists():
        return None
    newest = next(iter(list_backups(db_path)), None)
    if newest is not None:
        marker = content_marker(db_path)
        if marker is not None and marker == content_marker(newest.path):
            return None
    return make_backup(db_path, "启动时", keep=keep)


def clean_backup_leftovers(db_path: Path) -> list[Path]:
    """Remove the half-written copies a killed backup or restore left (``*.jnjp-tmp``, and the
    ``*.sqlite.part``/``.restore`` names of earlier versions). Call with the instance lock held."""
    db_path = Path(db_path)
    return clean_leftovers(backup_dir(db_path)) + clean_leftovers(db_path.parent, only_for=db_path.name)


def _parse(path: Path) -> BackupInfo | None:
    m = _NAME.match(path.name)
    if not m:
        return None
    try:
        created = _dt.datetime.strptime(m.group("stamp"), _STAMP_FORMAT)
        size = path.stat().st_size
    except (ValueError, OSError):
        return None
    return BackupInfo(path, created, m.group("reason"), size)


def list_backups(db_path: Path) -> list[BackupInfo]:
    """The backups of this database, newest first."""
    db_path = Path(db_path)
    folder = backup_dir(db_path)
    if not folder.is_dir():
        return []
    found = [info for p in folder.glob(f"{db_path.stem}_*.sqlite") if (info := _parse(p))
             and info.path.name.startswith(db_path.stem + "_")]
    return sorted(found, key=lambda b: b.created, reverse=True)


def _rotate(db_path: Path, keep: int) -> None:
    for old in list_backups(db_path)[keep:]:
        try:
            old.path.unlink()
        except OSError:
            pass  # e.g. opened by a virus scanner: removed next time


def good_backups(db_path: Path) -> list[BackupInfo]:
    """The backups that pass ``quick_check``, newest first: what to offer for a damaged database."""
    return [b for b in list_backups(db_path) if check_database(b.path) is None]


def _companions(db_path: Path) -> list[Path]:
    return [db_path.with_name(db_path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def keep_damaged_copy(db_path: Path, *, last_good: Path | None = None) -> Path:
    """Copy a damaged (or empty) database with its -wal/-shm into ``backups/damaged/<time>/`` untouched.

    Kept for the district's technicians: the data in it may still be recoverable. ``last_good``
    (the newest good backup taken before the failure) is copied there too, so the rotation of
    later start-up backups can never remove it.
    """
    db_path = Path(db_path)
    folder = backup_dir(db_path) / DAMAGED_DIRNAME / _dt.datetime.now().strftime(_STAMP_FORMAT)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path in [db_path, *_companions(db_path)]:
            if path.exists():
                shutil.copy2(path, folder / path.name)
        if last_good is not None:
            shutil.copy2(last_good, folder / f"故障前最后完好备份_{Path(last_good).name}")
    except OSError as exc:
        raise BackupError(f"无法保存损坏文件的副本到 {folder}：{exc.strerror or exc}") from None
    return folder / db_path.name


def restore_backup(db_path: Path, backup: Path) -> Path | None:
    """Replace the database by ``backup``. Every connection to ``db_path`` must be closed first.

    The current file is kept first: a healthy one as a normal backup (reason 恢复前), a damaged one
    untouched under ``backups/damaged/``. Returns where it was kept (None when there was no file).
    The copy is written beside the database under a temporary name, checked, then renamed.
    """
    db_path, backup = Path(db_path), Path(backup)
    problem = check_database(backup)
    if problem or not backup.exists():
        raise BackupError(f"备份文件 {backup.name} 不可用：{problem or '文件不存在'}")
    kept: Path | None = None
    if db_path.exists():
        if check_database(db_path) is None:
            kept = make_backup(db_path, "恢复前", keep=KEEP + 1)  # one more, so restoring never drops the oldest
            try:
                conn = _connect(db_path, timeout=10)
                try:
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    conn.close()
            except sqlite3.DatabaseError:
                pass
        else:
            kept = keep_damaged_copy(db_path)
    temp = temp_name(db_path)
    with _temporary(temp, lambda exc: f"恢复失败：{exc}；数据库未改动",
                    lambda exc: f"恢复失败：{exc.strerror or exc}（数据库文件是否被另一个程序打开？）"):
        ok = _copy_checked(_connect_readonly(backup), temp) == ["ok"]
        if not ok:
            raise BackupError(f"恢复失败：从备份 {backup.name} 复制出的文件未通过完整性检查，数据库未改动")
        # A stale -wal of the old file would be replayed into the restored one: remove it first.
        for companion in _companions(db_path):
            companion.unlink(missing_ok=True)
        os.replace(temp, db_path)
    return kept
