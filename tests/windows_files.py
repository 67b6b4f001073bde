"""Windows file situations a clerk meets, made real (ctypes on Windows, Wine included) or, where
the platform cannot make them, raised exactly as Windows raises them (for the POSIX runs)."""

from __future__ import annotations

import errno
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

WINDOWS = sys.platform == "win32"


def windows_permission_error(winerror: int, target: Path) -> PermissionError:
    """The PermissionError Windows raises for a rename onto ``target`` (winerror 32: sharing
    violation, 5: access denied). POSIX has no ``winerror`` attribute: it is set as Windows sets it."""
    exc = PermissionError(errno.EACCES, "另一个程序正在使用此文件，进程无法访问。", str(target), winerror)
    if getattr(exc, "winerror", None) != winerror:
        exc.winerror = winerror  # type: ignore[attr-defined]
    return exc


@contextmanager
def held_open_like_excel(path: Path) -> Iterator[None]:
    """Hold ``path`` open as Excel/WPS do: read+write access, shared for reading only (no
    FILE_SHARE_DELETE), so nobody can rename onto it or delete it until the handle is closed."""
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.CreateFileW.restype = wintypes.HANDLE
    kernel32.CreateFileW.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, wintypes.LPVOID,
                                     wintypes.DWORD, wintypes.DWORD, wintypes.HANDLE]
    kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
    generic_read_write, file_share_read, open_existing, normal = 0xC0000000, 0x1, 3, 0x80
    handle = kernel32.CreateFileW(str(path), generic_read_write, file_share_read, None, open_existing, normal, None)
    if handle in (None, wintypes.HANDLE(-1).value):
        raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]
    try:
        yield
    finally:
        kernel32.CloseHandle(handle)
