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


# -- the database's place: network share, long paths, read-only media, Chinese names ----------------

UNC_PATHS = [r"\\server\share\jnjp.sqlite", "//server/share/data/jnjp.sqlite", r"\\?\UNC\server\share\jnjp.sqlite",
             r"\\区统计局-服务器\共享 文件夹\jnjp.sqlite"]
LOCAL_PATHS = [r"C:\节能减排\jnjp.sqlite", r"\\?\C:\data\jnjp.sqlite", r"\\.\C:\data\jnjp.sqlite", "data/jnjp.sqlite"]


@pytest.mark.parametrize("path", UNC_PATHS)
def test_unc_paths_are_network_shares_on_every_platform(path):
    from storage.windows_paths import is_network_path, network_share_warning

    assert is_network_path(path, windows=False) and is_network_path(path, windows=True)
    warning = network_share_warning(path, windows=False)
    assert warning is not None and "网络共享" in warning and "不安全" in warning and path in warning


@pytest.mark.parametrize("path", LOCAL_PATHS)
def test_local_paths_are_not_network_shares(path):
    from storage.windows_paths import is_network_path, network_share_warning

    assert not is_network_path(path, windows=False) and not is_network_path(path, windows=True)
    assert network_share_warning(path, windows=False) is None


@pytest.mark.skipif(not WINDOWS, reason="GetDriveTypeW (Windows, Wine)")
def test_drive_types_under_windows(tmp_path):
    from storage.windows_paths import DRIVE_REMOTE, drive_type, is_network_path

    assert drive_type("C:\\") == 3  # DRIVE_FIXED
    assert not is_network_path(tmp_path / "jnjp.sqlite")
    remote = os.environ.get("JNJP_TEST_REMOTE_DRIVE")  # build-windows.sh maps one as a Wine network drive
    if remote:
        assert drive_type(remote + "\\") == DRIVE_REMOTE
        assert is_network_path(remote + r"\节能 减排\jnjp.sqlite")


def test_long_paths_for_windows_are_told_apart():
    from storage.windows_paths import extended_path, long_path_message, too_long_for_windows

    short = "C:\\" + "\\".join(["节能减排"] * 10) + "\\jnjp.sqlite"
    deep = "C:\\" + "\\".join(["很长的文件夹名称 十个字"] * 25) + "\\jnjp.sqlite"
    assert not too_long_for_windows(short, windows=True) and too_long_for_windows(deep, windows=True)
    assert not too_long_for_windows(deep, windows=False)  # POSIX: no MAX_PATH
    assert "路径过长" in long_path_message(deep) and "D:\\节能减排" in long_path_message(deep)
    assert extended_path(deep, windows=True) == "\\\\?\\" + deep
    assert extended_path(short, windows=True) == short
    assert extended_path("\\\\srv\\share\\" + deep[3:], windows=True) == "\\\\?\\UNC\\srv\\share\\" + deep[3:]
    assert extended_path(deep, windows=False) == deep


@pytest.mark.parametrize("path, uri", [
    (r"C:\节能 减排\jnjp.sqlite", "file:///C:/%E8%8A%82%E8%83%BD%20%E5%87%8F%E6%8E%92/jnjp.sqlite?mode=ro"),
    (r"\\server\share\a#b.sqlite", "file:////server/share/a%23b.sqlite?mode=ro"),
    (r"\\?\UNC\server\share\x.sqlite", "file:////server/share/x.sqlite?mode=ro"),
    (r"\\?\D:\x.sqlite", "file:///D:/x.sqlite?mode=ro"),
])
def test_sqlite_uri_has_no_host_part(path, uri):
    """``Path.as_uri()`` gives file://server/share/… for a share (and resolve() turns a mapped drive
    into one): SQLite refuses that host part and the database would look damaged."""
    from storage.windows_paths import sqlite_readonly_uri

    assert sqlite_readonly_uri(path, windows=True) == uri


def test_database_in_a_folder_with_chinese_spaces_and_uri_characters(catalogue, tmp_path):
    """Opened, checked read-only (the ``file:`` URI), backed up and exported from such a folder."""
    from storage.database_file import DatabaseFile
    from storage.opening import check_openable
    from storage.workspace import Workspace

    db = tmp_path / "永川区 节能#减排 100%" / ("数据 库" if WINDOWS else "数据 库?") / "jnjp.sqlite"  # no ? on Windows
    ws = Workspace.open(db, catalogue=catalogue, user="测试员")
    demo = next(t for t in ws.townships() if t.is_demo)
    out = db.parent / "演示镇 2025.xlsx"
    export_submission(ws, demo.id, "2025", out)
    ws.close()
    assert check_openable(db, quick_check=True, allow_new=False)
    assert DatabaseFile(db).backup("手动").is_file()
    again = Workspace.open(db, catalogue=catalogue, readonly=True, check=True)
    assert again.find_report_data(demo.id, "energy_consumption", "2025") is not None
    again.close()
    assert out.read_bytes().startswith(b"PK")


def test_export_into_a_folder_deeper_than_max_path(workspace, demo_township, tmp_path):
    """Beyond 260 characters the export is written through the \\\\?\\ form on Windows."""
    folder = tmp_path
    while len(str(folder)) < 300:
        folder = folder / "很深的文件夹 第几层"
    from storage.windows_paths import extended_path

    Path(extended_path(folder)).mkdir(parents=True)
    out = folder / "演示镇 2025 节能减排统计.xlsx"
    export_submission(workspace, demo_township.id, "2025", out)
    written = Path(extended_path(out))
    assert written.read_bytes().startswith(b"PK")
    assert [p.name for p in Path(extended_path(folder)).iterdir()] == [out.name]


def test_database_path_too_long_for_windows_is_refused_clearly(tmp_path, monkeypatch):
    import storage.windows_paths as windows_paths
    from storage.opening import PathTooLongError, check_place

    deep = tmp_path.joinpath(*["很长的文件夹名称"] * 30) / "jnjp.sqlite"
    monkeypatch.setattr(windows_paths, "_ON_WINDOWS", True)  # the check as on Windows, whatever runs it
    with pytest.raises(PathTooLongError, match="路径过长"):
        check_place(deep)
    assert not deep.parent.exists()


def test_read_only_database_file_is_found_before_opening(workspace, db_path):
    from storage.opening import check_place

    workspace.close()
    assert check_place(db_path).read_only is None
    db_path.chmod(0o444)
    try:
        reason = check_place(db_path).read_only
        assert reason is not None and "只读" in reason
    finally:
        db_path.chmod(0o644)


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs a folder nobody can write (Linux /proc)")
def test_a_folder_nobody_can_write_is_found():
    from storage.opening import check_place, folder_writable

    assert not folder_writable(Path("/proc/self/节能减排"))
    reason = check_place(Path("/proc/self/节能减排/jnjp.sqlite")).read_only
    assert reason is not None and "不能写入" in reason


def _program_folder_with_data(tmp_path: Path, catalogue) -> Path:  # noqa: ANN001
    from storage.workspace import Workspace

    program = tmp_path / "U盘 程序"
    db = program / "data" / "jnjp.sqlite"
    Workspace.open(db, catalogue=catalogue, user="测试员").close()
    db.chmod(0o444)
    return program


def test_start_from_read_only_media_offers_the_data_beside_the_program(tmp_path, catalogue, monkeypatch):
    import storage.location as location
    from storage.database_file import start_database

    program = _program_folder_with_data(tmp_path, catalogue)
    try:
        monkeypatch.delenv("JNJP_DB", raising=False)
        monkeypatch.setattr(location, "program_dir", lambda: program)
        choice = start_database(None)
        assert choice.file.path == program / "data" / "jnjp.sqlite"
        assert choice.read_only is not None and choice.network is None
    finally:
        (program / "data" / "jnjp.sqlite").chmod(0o644)


def test_window_copies_a_read_only_database_to_the_chosen_folder(qtbot, tmp_path, catalogue, messages, monkeypatch):
    from PySide6.QtCore import QSettings

    import ui.app as app
    from ui.main_window import MainWindow

    program = _program_folder_with_data(tmp_path, catalogue)
    db = program / "data" / "jnjp.sqlite"
    before = db.read_bytes()
    writable = tmp_path / "可写 文件夹"
    writable.mkdir()
    monkeypatch.setattr(app, "ask_writable_folder", lambda _parent, _start: writable)
    window = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    try:
        assert app.open_start_database(window, db)
        assert window.workspace is not None and window.workspace.path == writable / "jnjp.sqlite"
        assert messages[0][0] == "数据库所在位置不能写入" and "只读" in messages[0][1]
        assert messages[-1][0] == "已复制数据库"
        window._close_workspace()
        assert db.read_bytes() == before  # the original is untouched
        assert app.open_start_database(window, db)  # next start: the copy is opened, never overwritten
        assert "未覆盖" in messages[-1][1]
    finally:
        window._close_workspace()
        db.chmod(0o644)


def test_window_warns_about_a_network_share(qtbot, tmp_path, messages, monkeypatch, capsys):
    from PySide6.QtCore import QSettings

    import storage.opening as opening
    import ui.app as app
    from ui.main_window import MainWindow

    monkeypatch.setattr(opening, "check_place", lambda path: opening.PlaceCheck(
        None, "数据库位于网络共享文件夹或网络驱动器上：测试"))
    window = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    try:
        assert app.open_start_database(window, tmp_path / "jnjp.sqlite")
        assert messages[0][0] == "数据库在网络共享上"
        assert "网络共享" in capsys.readouterr().err
        assert "网络共享" in window.statusBar().currentMessage()
    finally:
        window._close_workspace()


def test_cli_warns_about_a_network_share_and_still_runs(workspace, db_path, monkeypatch, capsys):
    import main
    import storage.windows_paths as windows_paths

    workspace.close()
    real = windows_paths.is_network_path
    monkeypatch.setattr(windows_paths, "is_network_path", lambda path, **kw: Path(path) == db_path or real(path, **kw))
    code = main.main(["validate", "--db", str(db_path), "--period", "2025"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err.count("警告：数据库位于网络共享文件夹") == 1 and "演示镇" in captured.out


def test_cli_refuses_a_database_path_too_long_for_windows(tmp_path, monkeypatch, capsys):
    import main
    import storage.windows_paths as windows_paths

    monkeypatch.setattr(windows_paths, "_ON_WINDOWS", True)
    deep = tmp_path.joinpath(*["很长的文件夹名称"] * 30) / "jnjp.sqlite"
    code = main.main(["validate", "--db", str(deep), "--period", "2025"])
    err = capsys.readouterr().err
    assert code == 2 and "路径过长" in err and "Traceback" not in err


# -- the one-window lock: a second process is refused, a killed one leaves nothing stale ------------

def test_a_second_process_is_refused_and_a_killed_holder_blocks_nothing(tmp_path):
    """Real processes with the platform's own locks (msvcrt.locking on Windows, flock on POSIX);
    the holder is killed without any clean-up (TerminateProcess / SIGKILL)."""
    import subprocess
    import sys

    from storage.instance_lock import AlreadyOpenError, InstanceLock, _alive

    db = tmp_path / "节能 数据" / "jnjp.sqlite"
    db.parent.mkdir()
    holder = subprocess.Popen([sys.executable, str(Path(__file__).parent / "lock_holder.py"), str(db)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    try:
        with pytest.raises(AlreadyOpenError) as caught:
            InstanceLock(db).acquire()
        assert f"进程号 {holder.pid}" in str(caught.value)
        assert _alive(holder.pid)
    finally:
        holder.kill()
        holder.wait(30)
    assert not _alive(holder.pid) and _alive(os.getpid())
    assert f'"pid": {holder.pid}' in (db.parent / "jnjp.sqlite.lock").read_text(encoding="utf-8")  # left behind …
    with InstanceLock(db) as lock:  # … but not stale: the lock died with the process
        assert lock.held


# -- jnjp.exe without a console: a command must not fail for want of stdout -----------------------------

def test_a_gui_build_without_stdout_runs_commands_without_crashing(workspace, db_path, monkeypatch):
    """jnjp.exe (console=False) starts with sys.stdout/sys.stderr None: a command (from cmd it
    attaches to that console, double-clicked it writes nowhere) still runs and returns its code."""
    import sys

    import main

    workspace.close()
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    assert main.main(["--version"]) == 0
    assert main.main(["validate", "--db", str(db_path), "--period", "2025"]) == 0
    with pytest.raises(SystemExit) as refused:  # argparse's complaint has somewhere to go
        main.main(["validate", "--db", str(db_path)])
    assert refused.value.code == 2
    assert sys.stdout is not None and sys.stderr is not None
