"""All-or-nothing file writes: a half-written submission must never exist under its final name.

Township staff export to USB sticks that get pulled out and to folders that fill up. The file is
written to a temporary name in the same folder, flushed to disk and only then renamed onto the
final name (``os.replace`` is atomic on the same filesystem), so the final name holds either the
previous file or the complete new one. The temporary name is ``.<name>.<random>.jnjp-tmp``
(``storage.tempnames``); those a killed export left are removed by the next export into the folder.
"""

from __future__ import annotations

import errno
import gc
import os
import stat
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from export.errors import ExportError
from storage.tempnames import clean_leftovers, temp_name
from storage.windows_paths import extended_path

__all__ = ["atomic_write", "describe_os_error", "ExportWriteError", "FileInUseError", "FILE_IN_USE"]

FILE_IN_USE = "文件正被其他程序打开，请关闭后重试"


class ExportWriteError(ExportError):
    """The file could not be written (disk full, USB drive pulled, no permission): nothing was
    left under the final name. The commands exit 3 ("could not complete") for it."""


class FileInUseError(ExportWriteError):
    """Windows: the final name is open in Excel or WPS (which open it without FILE_SHARE_DELETE),
    so the rename onto it fails with a sharing violation. The complete new file was removed, the
    open one is untouched; closing it there and exporting again succeeds (exit 3, like any write)."""


# Windows error codes of a rename onto a file another program holds open.
_ERROR_ACCESS_DENIED, _ERROR_SHARING_VIOLATION, _ERROR_LOCK_VIOLATION = 5, 32, 33


def _held_open_elsewhere(exc: OSError, target: Path) -> bool:
    """Did the rename onto ``target`` fail because another program has it open?

    Windows says so with ERROR_SHARING_VIOLATION/ERROR_LOCK_VIOLATION, or (MoveFileEx onto a file
    opened without FILE_SHARE_DELETE, as Excel does) with ERROR_ACCESS_DENIED, which also means a
    read-only file or a folder: those are told apart by looking at the target. POSIX renames never
    fail for an open file, so there (no ``winerror``) it is never this reason."""
    code = getattr(exc, "winerror", None)
    if code in (_ERROR_SHARING_VIOLATION, _ERROR_LOCK_VIOLATION):
        return True
    if code != _ERROR_ACCESS_DENIED:
        return False
    try:
        return target.is_file() and bool(target.stat().st_mode & stat.S_IWRITE)  # not the read-only attribute
    except OSError:
        return False

_REASONS = {
    errno.ENOSPC: "磁盘已满或 U盘已拔出",
    errno.EFBIG: "文件过大（超出磁盘或系统允许的大小）",
    errno.EROFS: "磁盘或 U盘为只读（写保护）",
    errno.ENOENT: "文件夹不存在（U盘是否已拔出？）",
    errno.EIO: "读写出错，U盘可能已拔出或损坏",
    errno.ENAMETOOLONG: "文件名或路径过长",
    errno.EISDIR: "该名称是一个文件夹",
}
for _name, _reason in (("EDQUOT", "磁盘空间配额已满"), ("ENODEV", "设备不存在，U盘可能已拔出"),
                       ("ENXIO", "设备不存在，U盘可能已拔出")):
    if hasattr(errno, _name):
        _REASONS[getattr(errno, _name)] = _reason


def describe_os_error(exc: BaseException) -> str:
    """A Chinese reason for a failed write, with the system's own text in brackets."""
    if getattr(exc, "winerror", None) in (_ERROR_SHARING_VIOLATION, _ERROR_LOCK_VIOLATION):
        reason = FILE_IN_USE
    elif isinstance(exc, PermissionError):
        reason = "没有写入权限（文件夹只读，或同名文件正被 Excel 等程序打开）"
    elif isinstance(exc, IsADirectoryError):
        reason = _REASONS[errno.EISDIR]
    elif isinstance(exc, OSError):
        reason = _REASONS.get(exc.errno or 0, "磁盘或 U盘读写失败")
    else:
        reason = "生成文件内容时出错"
    detail = (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or type(exc).__name__
    return f"{reason}（{detail}）"


_STALE_SECONDS = 3600.0


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX only; Windows cannot open folders)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _free_half_written(exc: BaseException) -> None:
    """The failed writer's objects (openpyxl's ZipFile on a full disk) fail again when collected,
    and Python then prints "Exception ignored in ZipFile.__del__" with a traceback after our clear
    message: free them here, with that report switched off."""
    previous = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        traceback.clear_frames(exc.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = previous


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` through ``write(fh)`` so that it is complete or not there at all.

    On any failure the temporary file is removed, an older file of the same name is left as it
    was, and ExportError names the path and the reason.
    """
    path = Path(path)
    target = Path(extended_path(path))  # Windows: the \\?\ form of a path beyond MAX_PATH (260)
    folder = target.parent
    clean_leftovers(folder, only_for=path.name)  # a killed export of this very file
    clean_leftovers(folder, older_than=_STALE_SECONDS)  # others, once no export can still be writing them
    tmp = temp_name(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(tmp, flags, 0o666)
    except OSError as exc:
        raise ExportWriteError(f"无法写入文件 {path}：{describe_os_error(exc)}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            if not _held_open_elsewhere(exc, target):
                raise
            raise FileInUseError(f"无法写入文件 {path}：{FILE_IN_USE}（{path.name} 可能正在 Excel 或 WPS 中打开；"
                                 "原文件未改动）") from exc
    except BaseException as exc:
        _free_half_written(exc)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, ExportError) or not isinstance(exc, Exception):
            raise  # already worded, or KeyboardInterrupt and the like
        raise ExportWriteError(f"无法写入文件 {path}：{describe_os_error(exc)}") from exc
    _fsync_folder(folder)
