"""One window per database: a lock file beside it (``jnjp.sqlite.lock``) held with an OS lock.

Two windows on one file (a shared USB drive) would not corrupt it — SQLite serialises the
writes — but each would show stale figures and silently overwrite the other's edits. So the
second window is told who has the file open and does not open it. The lock is the operating
system's (flock / LockFileEx), so a crashed or killed program never leaves a stale lock; the
file's text (computer, user, process, time) only serves the message.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import IO

from user_error import UserError

__all__ = ["InstanceLock", "AlreadyOpenError", "MaybeOpenElsewhereError", "lock_path"]

_LOCK_OFFSET = 1 << 20  # Windows: lock a byte past the text, so the holder's details stay readable


class AlreadyOpenError(UserError, RuntimeError):
    """The database is open in another copy of the program; the message is for the user."""

    def __init__(self, message: str, holder: dict[str, object]) -> None:
        super().__init__(message)
        self.holder = holder


class MaybeOpenElsewhereError(AlreadyOpenError):
    """The lock file names another computer and was not released: the database may be open there
    through a network share (where OS locks may not reach), or that computer stopped without
    closing the program. The user decides; ``acquire(force=True)`` takes over."""


def lock_path(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


def _try_lock(fh: IO[str]) -> bool:
    """Take the OS lock without waiting; False when another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        fh.seek(_LOCK_OFFSET)
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            fh.seek(0)
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return True  # a filesystem without locks: rely on SQLite's own locking
    return True


# -- w5: a holder killed a moment ago (Windows frees its locks a little after the process ends) ------

_DEAD_HOLDER_WAIT = 3.0  # seconds at most: Windows frees a terminated process's locks "depending on resources"


def _alive(pid: int) -> bool:
    """Is process ``pid`` still running on this computer?"""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # access denied: it exists (another user's)  # type: ignore[attr-defined]
        try:
            code = wintypes.DWORD()
            return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # e.g. another user's process
    return True


def _outlived(fh: IO[str], holder: dict[str, object]) -> bool:
    """The lock is held, but by a process of this computer that no longer runs (killed in the task
    manager a moment ago): wait, briefly, until the system frees its lock. True once taken."""
    pid = holder.get("pid")
    if holder.get("host") != socket.gethostname() or not isinstance(pid, int) or _alive(pid):
        return False
    deadline = time.monotonic() + _DEAD_HOLDER_WAIT
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if _try_lock(fh):
            return True
    return False


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name on some Windows setups
        return "未知用户"


class InstanceLock:
    """Held while a window has the database open; ``release`` (or process exit) frees it."""

    def __init__(self, db_path: Path) -> None:
        self.path = lock_path(db_path)
        self._fh: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._fh is not None

    def acquire(self, *, force: bool = False) -> InstanceLock:
        """Take the lock or raise AlreadyOpenError saying where the database is open.

        A lock file left by another computer (not released) raises MaybeOpenElsewhereError unless
        ``force``; one left by a crashed program on this computer is simply taken over.
        """
        if self._fh is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while the lock is held
        if not _try_lock(fh):
            fh.seek(0)
            holder = _parse(fh.read(4096))
            if not _outlived(fh, holder):
                fh.close()
                raise AlreadyOpenError(_message(self.path, holder), holder)
        fh.seek(0)
        left = _parse(fh.read(4096))
        if left and not force and left.get("host") != socket.gethostname():
            fh.close()
            raise MaybeOpenElsewhereError(_elsewhere_message(self.path, left), left)
        info = {"host": socket.gethostname(), "user": _user(), "pid": os.getpid(),
                "since": _dt.datetime.now().isoformat(timespec="seconds")}
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(info, ensure_ascii=False))
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        """Free the lock (the file stays: removing it could race with another program taking it)."""
        if self._fh is None:
            return
        fh, self._fh = self._fh, None
        try:
            fh.seek(0)
            fh.truncate()
        except OSError:
            pass
        fh.close()  # closing drops the OS lock

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()


def _parse(text: str) -> dict[str, object]:
    try:
        data = json.loads(text)
        return data if isinstance(data, dict) else {}
    except ValueError:
        return {}


def _message(path: Path, holder: dict[str, object]) -> str:
    db_name = path.name.removesuffix(".lock")
    if holder:
        where = (f"计算机“{holder.get('host', '?')}”上的用户“{holder.get('user', '?')}”"
                 f"（进程号 {holder.get('pid', '?')}，{str(holder.get('since', '?')).replace('T', ' ')} 打开）")
    else:
        where = "另一个程序窗口"
    return (f"数据库 {db_name} 已被{where}打开。\n\n"
            "同一个数据库同时在两处填报，会互相覆盖对方的修改。"
            "请先关闭另一个窗口，再重新打开本程序。")


def _elsewhere_message(path: Path, holder: dict[str, object]) -> str:
    db_name = path.name.removesuffix(".lock")
    return (f"数据库 {db_name} 上次由计算机“{holder.get('host', '?')}”上的用户“{holder.get('user', '?')}”"
            f"于 {str(holder.get('since', '?')).replace('T', ' ')} 打开，且没有正常关闭。\n\n"
            "如果那台计算机上的程序仍在使用这个数据库（例如通过共享文件夹），请先在那里关闭程序；"
            "如果那台计算机上的程序已经关闭（或曾经断电、拔出U盘），可以放心继续打开。")
