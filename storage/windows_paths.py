"""Windows path facts the rest of the program must respect, decided from the path text (so every
platform tests them) plus, on Windows, what the system says about the drive.

- A database on a network share (``\\\\server\\share\\…``, or a mapped drive letter for which
  ``GetDriveTypeW`` says DRIVE_REMOTE) is unsafe for SQLite: SMB locking is unreliable and a
  dropped connection mid-write corrupts the file. It is detected and warned about.
- Windows 10 limits ordinary paths to MAX_PATH (260) unless long paths were switched on by the
  administrator. SQLite opens its files by plain name (and adds ``-journal``), so a database path
  that long is refused with a clear message; an export is written through the ``\\\\?\\`` form,
  which has no such limit.
- SQLite's read-only ``file:`` URI must not carry a host: ``Path.as_uri()`` (and ``resolve()``,
  which turns a mapped drive into its UNC name) would give ``file://server/share/…``, which SQLite
  refuses — the file would look damaged. ``sqlite_readonly_uri`` writes ``file:////server/share/…``.
"""

from __future__ import annotations

import ntpath
import os
import sys
from pathlib import Path
from urllib.parse import quote

__all__ = ["MAX_PATH", "DRIVE_REMOTE", "is_network_path", "drive_type", "too_long_for_windows",
           "long_path_message", "network_share_warning", "extended_path", "sqlite_readonly_uri"]

MAX_PATH = 260  # characters, the terminating NUL included: 259 usable
DRIVE_REMOTE = 4  # GetDriveTypeW
_SQLITE_SUFFIX = "-journal"  # the longest name SQLite makes beside the database
_ON_WINDOWS = sys.platform == "win32"


def _windows_text(path: str | Path, windows: bool) -> str:
    """The path as Windows spells it: backslashes, absolute when on Windows."""
    text = str(path)
    if windows and _ON_WINDOWS:
        text = os.path.abspath(text)
    return text.replace("/", "\\") if windows else text


def drive_type(root: str) -> int | None:
    """``GetDriveTypeW`` of a drive root such as ``N:\\`` (None off Windows)."""
    if not _ON_WINDOWS:
        return None
    import ctypes

    get_drive_type = ctypes.windll.kernel32.GetDriveTypeW  # type: ignore[attr-defined]
    get_drive_type.argtypes = [ctypes.c_wchar_p]
    get_drive_type.restype = ctypes.c_uint
    return int(get_drive_type(root))


def is_network_path(path: str | Path, *, windows: bool | None = None) -> bool:
    """True for a UNC path (``\\\\server\\share\\…``, ``//server/share/…``, ``\\\\?\\UNC\\…``) on
    every platform, and on Windows for a drive letter that is a mapped network drive."""
    windows = _ON_WINDOWS if windows is None else windows
    text = str(path).replace("/", "\\")
    if text.upper().startswith("\\\\?\\UNC\\"):
        return True
    if text.startswith(("\\\\?\\", "\\\\.\\")):
        text = text[4:]  # the long-path or device form of a local drive: look at the drive
    elif text.startswith("\\\\") and len(text) > 2 and text[2] not in "\\?.":
        return True
    if not windows:
        return False
    drive = ntpath.splitdrive(_windows_text(text, windows))[0]
    if drive.startswith("\\\\"):
        return True
    return len(drive) == 2 and drive[1] == ":" and drive_type(drive + "\\") == DRIVE_REMOTE


def network_share_warning(path: str | Path, *, windows: bool | None = None) -> str | None:
    """The Chinese warning for a database on a network share, or None."""
    windows = _ON_WINDOWS if windows is None else windows
    if not is_network_path(path, windows=windows):
        return None
    return (f"数据库位于网络共享文件夹或网络驱动器上：{path}\n"
            "SQLite 数据库放在网络共享上不安全：网络中断、断电或两台计算机同时写入都可能损坏数据。"
            "请把数据库复制到本机硬盘（例如 D:\\节能减排）使用，报送时用“导出”生成文件交换。")


def too_long_for_windows(path: str | Path, *, windows: bool | None = None) -> bool:
    """Would Windows (long paths not switched on) refuse the database or its ``-journal``?"""
    windows = _ON_WINDOWS if windows is None else windows
    if not windows:
        return False
    text = _windows_text(path, windows)
    return len(text) + len(_SQLITE_SUFFIX) >= MAX_PATH


def long_path_message(path: str | Path) -> str:
    length = len(_windows_text(path, True))
    return (f"路径过长（{length} 个字符，Windows 最多允许 {MAX_PATH - 1 - len(_SQLITE_SUFFIX)} 个）：{path}\n"
            "请把数据库放到层级较浅的文件夹中，例如 D:\\节能减排\\jnjp.sqlite。")


def extended_path(path: str | Path, *, windows: bool | None = None) -> str:
    """The ``\\\\?\\`` form of an absolute path on Windows when it is long (no MAX_PATH limit there),
    else the path unchanged. The extended form takes no ``/``, ``.`` or ``..``: it is normalised."""
    windows = _ON_WINDOWS if windows is None else windows
    text = str(path)
    if not windows or text.startswith("\\\\?\\"):
        return text
    full = ntpath.normpath(_windows_text(text, windows))
    if len(full) < MAX_PATH - 12:  # room for the temporary name's suffix
        return text
    if full.startswith("\\\\"):
        return "\\\\?\\UNC\\" + full[2:]
    return "\\\\?\\" + full


def sqlite_readonly_uri(path: str | Path, *, windows: bool | None = None) -> str:
    """``file:…?mode=ro`` for ``path`` that SQLite accepts for a local, mapped or UNC path: no host
    part, ``%``-escaped (Chinese, spaces, ``#``, ``?``)."""
    windows = _ON_WINDOWS if windows is None else windows
    if windows:
        text = _windows_text(path, windows).replace("\\", "/")
        if text.upper().startswith("//?/UNC/"):
            text = "//" + text[8:]
        elif text.startswith("//?/"):
            text = text[4:]
        if not text.startswith("//"):
            text = "/" + text  # /C:/…: SQLite drops the slash before a drive letter
    else:
        text = os.path.abspath(path)
    return "file://" + quote(text, safe="/:") + "?mode=ro"
