"""Windows behaviour a clerk meets (issue 14, point 3): an export over a file open in Excel/WPS,
the program or database in awkward places (read-only, network share, Chinese names and spaces,
deep folders), the one-window lock against a killed process.

Runs on every platform; under the Windows interpreter (Wine, ``./build-windows.sh --tests``) the
Windows parts are real (CreateFileW, GetDriveTypeW, TerminateProcess), on POSIX the Windows error
is raised exactly as Windows raises it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from export.atomic import FILE_IN_USE, FileInUseError, atomic_write
from export.submission import export_submission
from tests.windows_files import WINDOWS, held_open_like_excel, windows_permission_error

# -- exporting over a file that is open in Excel/WPS ---------------------------------------------


def _refuse_rename(monkeypatch: pytest.MonkeyPatch, winerror: int) -> None:
    def refused(src: str, dst: str) -> None:
        raise windows_permission_error(winerror, Path(dst))

    monkeypatch.setattr(os, "replace", refused)


def _previous_file(tmp_path: Path, name: str = "演示镇 2025 报表.xlsx") -> Path:
    """A file the clerk exported before, in its own folder (with a Chinese name and spaces)."""
    target = tmp_path / "导出 文件夹" / name
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(b"the file the clerk has open")
    return target


@pytest.mark.parametrize("winerror", [32, 5])
def test_export_over_a_file_open_elsewhere_says_close_it(workspace, demo_township, tmp_path, monkeypatch,
                                                         winerror):
    target = _previous_file(tmp_path)
    _refuse_rename(monkeypatch, winerror)
    with pytest.raises(FileInUseError) as caught:
        export_submission(workspace, demo_township.id, "2025", target)
    assert FILE_IN_USE in str(caught.value) and str(target) in str(caught.value)
    assert target.read_bytes() == b"the file the clerk has open"
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # the temporary file is gone


def test_access_denied_on_a_read_only_file_is_not_called_open_elsewhere(tmp_path, monkeypatch):
    target = _previous_file(tmp_path)
    target.chmod(0o444)
    try:
        _refuse_rename(monkeypatch, 5)
        with pytest.raises(Exception) as caught:
            atomic_write(target, lambda fh: fh.write(b"new"))
        assert not isinstance(caught.value, FileInUseError)
        assert "没有写入权限" in str(caught.value) and FILE_IN_USE not in str(caught.value)
    finally:
        target.chmod(0o666)
    assert target.read_bytes() == b"the file the clerk has open"
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_cli_export_over_an_open_file_exits_3_with_the_message(workspace, demo_township, db_path, tmp_path,
                                                               monkeypatch, capsys):
    import main

    workspace.close()
    target = _previous_file(tmp_path)
    _refuse_rename(monkeypatch, 32)
    code = main.main(["export", "--db", str(db_path), "--period", "2025", "--out", str(target)])
    err = capsys.readouterr().err
    assert code == 3, err
    assert FILE_IN_USE in err and "Traceback" not in err
    assert target.read_bytes() == b"the file the clerk has open"
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_window_export_over_an_open_file_shows_the_message(qtbot, demo_window, messages, tmp_path, monkeypatch):
    target = _previous_file(tmp_path)
    monkeypatch.setattr(demo_window, "ask_export_path", lambda _name: target)
    _refuse_rename(monkeypatch, 32)
    demo_window.export_action.trigger()
    operation = demo_window.last_operation
    qtbot.waitUntil(lambda: operation.done, timeout=30000)
    assert messages and messages[-1][0] == "导出失败" and FILE_IN_USE in messages[-1][1]
    assert target.read_bytes() == b"the file the clerk has open"
    assert [p.name for p in target.parent.iterdir()] == [target.name]


@pytest.mark.skipif(not WINDOWS, reason="holds the file open with CreateFileW (Windows, Wine)")
def test_a_file_really_held_open_is_not_replaced_until_closed(workspace, demo_township, tmp_path):
    target = _previous_file(tmp_path)
    with held_open_like_excel(target):
        with pytest.raises(FileInUseError) as caught:
            export_submission(workspace, demo_township.id, "2025", target)
        assert FILE_IN_USE in str(caught.value)
    assert target.read_bytes() == b"the file the clerk has open"
    assert [p.name for p in target.parent.iterdir()] == [target.name]
    export_submission(workspace, demo_township.id, "2025", target)  # closed in Excel: now it works
    assert target.read_bytes().startswith(b"PK")
