"""Is this file a database this program may open? Decided before anything is written to it.

A file is ours when its ``PRAGMA application_id`` is ``APPLICATION_ID``; a file of this program
made before the id existed (application_id 0, ``user_version`` >= 1 and our tables) is adopted and
gets the id when it is next opened for writing. Anything else — another program's SQLite file, a
database from a newer program version, an empty (0-byte) or damaged file — is refused with a
Chinese message, through a read-only connection, so the refused file stays byte-identical.

No Qt here: the window (``ui.database_dialogs``) and the headless commands share these checks.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from records import record
from storage import migrations
from storage.database import StorageError

__all__ = ["APPLICATION_ID", "OUR_TABLES", "DamagedDatabaseError", "ForeignDatabaseError", "NewerVersionError",
           "ReadOnlyDatabaseError", "check_openable", "connect_readonly", "newer_version_message",
           "PathTooLongError", "PlaceCheck", "check_place", "folder_writable", "file_writable"]

APPLICATION_ID = 0x4A4E4A50  # "JNJP": PRAGMA application_id of every database this program writes
OUR_TABLES = frozenset({"townships", "periods", "reports", "cell_values", "list_rows", "audit", "settings"})
_SQLITE_MAGIC = b"SQLite format 3\x00"


class DamagedDatabaseError(StorageError):
    """The file is empty, not a SQLite file, or fails ``quick_check``: offer a backup, never replace it."""


class ForeignDatabaseError(StorageError):
    """A SQLite file of another program: never add tables to it."""


class NewerVersionError(StorageError):
    """Made by a newer version of this program (``user_version`` above ours)."""

    def __init__(self, message: str, version: int) -> None:
        super().__init__(message)
        self.version = version


class ReadOnlyDatabaseError(StorageError):
    """The file (or its folder) cannot be written, and the command needs to write."""


def newer_version_message(version: int) -> str:
    return f"数据库由较新版本的程序创建（结构版本 {version}），请使用新版程序打开"


def connect_readonly(path: Path, **kwargs: object) -> sqlite3.Connection:
    """A connection that cannot change the file (``mode=ro`` and ``query_only``); the URI has no
    host part, so a database on a mapped drive or ``\\\\server\\share`` opens too (w5)."""
    from storage.cipher import connect  # s8: keyed when the database has a password

    conn = connect(path, readonly=True, **kwargs)
    conn.execute("PRAGMA query_only = 1")
    return conn


def _header(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(100)


def _encrypted_with_password(path: Path) -> bool:
    """s8: a file with a database password (``storage.cipher``): True when it was unlocked in this
    process; PasswordRequiredError when it looks encrypted and no password was given."""
    from storage.cipher import PasswordRequiredError, looks_encrypted, password_for

    if password_for(path) is not None:
        return True
    if looks_encrypted(path):
        raise PasswordRequiredError(f"数据库 {path.name} 设有数据库密码（或文件已损坏）：请输入密码后再打开"
                                    "（命令行：提示输入或环境变量 JNJP_DB_PASSWORD）")
    return False


def check_openable(path: Path, *, quick_check: bool = False, allow_new: bool = True) -> bool:
    """Raise the StorageError subclass that says why ``path`` must not be opened; return True when
    the file exists and is ours (or adoptable), False when it does not exist yet (a first run) or is
    empty with no backup beside it (nothing to lose, nothing to restore). An empty file beside
    backups is damaged: a USB drive pulled mid-write must not turn into a fresh database.

    ``quick_check`` also runs ``PRAGMA quick_check`` (damaged pages), as the commands do before
    reading anything. ``allow_new=False`` (the commands: they never create a database) also refuses
    an empty file and a SQLite file without any table. Nothing is ever written to ``path``.
    """
    path = Path(path)
    name = path.name
    try:
        if not path.exists():
            return False
        if path.stat().st_size == 0:
            from storage.backup import list_backups  # here: an ordinary open never needs the backups

            if allow_new and not list_backups(path):
                return False  # nothing in it and nothing to restore: it simply becomes a new database
            raise DamagedDatabaseError(f"数据库文件 {name} 为空（0 字节），可能是写入时U盘被拔出或断电；"
                                       "备份文件夹中有以前的备份")
        header = _header(path)
    except OSError as exc:
        raise StorageError(f"无法读取数据库文件 {path}：{exc.strerror or exc}") from None
    if not header.startswith(_SQLITE_MAGIC) and not _encrypted_with_password(path):
        raise DamagedDatabaseError(f"无法打开数据库 {name}：文件不是 SQLite 数据库，或文件头已损坏")
    try:
        conn = connect_readonly(path, timeout=10)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            problems = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()] if quick_check else ["ok"]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise DamagedDatabaseError(f"无法打开数据库 {name}：文件无法读取（{exc}），可能已损坏") from None
    ours = app_id == APPLICATION_ID or (app_id == 0 and ((version >= 1 and OUR_TABLES <= tables)
                                                         or (allow_new and version == 0 and not tables)))
    if not ours:
        raise ForeignDatabaseError(f"文件 {name} 是一个 SQLite 数据库，但不是本程序的数据库（可能属于其他软件），"
                                   "未做任何改动。请选择本程序的数据库文件（jnjp.sqlite）")
    if version > migrations.SCHEMA_VERSION:
        raise NewerVersionError(newer_version_message(version), version)
    if problems != ["ok"]:
        detail = "；".join(str(p) for p in problems[:3])
        raise DamagedDatabaseError(f"数据库文件 {name} 完整性检查未通过（{detail}），可能已损坏")
    return True


# -- w5: where the database is (read-only media, network share, a path too long for Windows) -----

class PathTooLongError(StorageError):
    """Windows would refuse the database's path (MAX_PATH): move it to a shallower folder."""


@record(frozen=True)
class PlaceCheck:
    """What the start-up must know about a database's place, each as a Chinese text or None:
    ``read_only`` — it cannot be written there (write-protected USB drive, CD, read-only file),
    so the clerk chooses a writable folder; ``network`` — a network share (warn, SQLite is unsafe
    there)."""

    read_only: str | None
    network: str | None


def folder_writable(folder: Path) -> bool:
    """Can a file be created in ``folder`` (or, when it does not exist yet, in its nearest existing
    parent)? Tried for real: Windows' read-only attribute on a folder means nothing, a
    write-protected USB drive or a CD only shows when writing."""
    folder = Path(folder)
    while not folder.exists():
        if folder.parent == folder:
            return False
        folder = folder.parent
    import tempfile  # (r4: only when a database is created or its folder checked)

    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
        return True
    except OSError:
        return False


def file_writable(path: Path) -> bool:
    """False for a file with the read-only attribute (or no write permission)."""
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return True  # not there: created in its folder
    return bool(mode & stat.S_IWRITE) and os.access(path, os.W_OK)


def check_place(path: Path) -> PlaceCheck:
    """Check the place of the database ``path`` before opening it; raises PathTooLongError when
    Windows could not open it there. Nothing is written except a probe file that is removed."""
    from storage.windows_paths import long_path_message, network_share_warning, too_long_for_windows

    path = Path(path)
    if too_long_for_windows(path):
        raise PathTooLongError(long_path_message(path))
    read_only = None
    if not folder_writable(path.parent):
        read_only = (f"数据库所在的文件夹不能写入：{path.parent}\n"
                     "（U盘有写保护、光盘或只读的共享文件夹）")
    elif path.exists() and not file_writable(path):
        read_only = f"数据库文件是只读的：{path}\n（文件属性为“只读”，或没有写入权限）"
    return PlaceCheck(read_only, network_share_warning(path))
