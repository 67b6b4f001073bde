"""Storage faults against every headless command, in real processes (issue 10 points 8-15).

Every command meets every fault and must answer with one Chinese message and the documented exit
code (commands.py docstring, README), never a traceback, and leave a refused file unchanged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from export.submission import export_submission
from storage.backup import list_backups
from storage.workspace import Workspace
from tests import faulty_files
from tests.faulty_files import damage_pages

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2025"


def run_cli(*args: object, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    """``python main.py ARGS`` in a real process; ``limit`` caps every file it writes (bytes):
    writing beyond it fails as on a full disk (RLIMIT_FSIZE; Python ignores SIGXFSZ)."""
    def cap() -> None:
        import resource  # POSIX only, like the disk-full tests that pass a limit

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = dict(os.environ, PYTHONIOENCODING="utf-8", QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, env=env, timeout=180,
                          preexec_fn=cap if limit is not None else None)


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _commands(db: Path, submission: Path, out: Path) -> dict[str, list[object]]:
    return {
        "validate": ["validate", "--db", db, "--period", PERIOD],
        "validate-json": ["validate", "--db", db, "--period", PERIOD, "--json"],
        "export": ["export", "--db", db, "--period", PERIOD, "--out", out / "e.xlsx"],
        "import": ["import", submission, "--db", db],
        "import-dry-run": ["import", submission, "--db", db, "--dry-run"],
        "template": ["template", "--db", db, "--period", PERIOD, "--out", out / "t.xlsx"],
        "flat": ["flat", "--db", db, "--out", out / "f.csv"],
    }


COMMANDS = sorted(_commands(Path(), Path(), Path()))
READERS = {"validate", "validate-json", "import-dry-run", "template", "flat"}


@pytest.fixture
def demo(workspace: Workspace, demo_township, db_path: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A closed demo database and its own submission file (a clean import: nothing to change)."""
    submission = tmp_path / "演示镇2025.xlsx"
    export_submission(workspace, demo_township.id, PERIOD, submission)
    workspace.close()
    return db_path, submission


def _assert_clean_failure(out: subprocess.CompletedProcess[str], code: int, *expected: str) -> None:
    text = out.stdout + out.stderr
    assert "Traceback" not in text and "Exception ignored" not in text, text
    assert out.returncode == code, text
    for part in expected:
        assert part in out.stderr, out.stderr


FILE_FAULTS: dict[str, tuple[Callable[[Path], None], str]] = {
    "missing": (faulty_files.missing, "数据库文件不存在"),
    "empty-beside-backups": (faulty_files.empty_beside_backups, "0 字节"),
    "damaged-pages": (damage_pages, "损坏"),
    "another-program": (faulty_files.another_programs_file, "不是本程序的数据库"),
    "newer-version": (faulty_files.newer_version, "数据库由较新版本的程序创建（结构版本 99），请使用新版程序打开"),
}


@pytest.mark.parametrize("fault", sorted(FILE_FAULTS))
def test_every_command_refuses_a_faulty_database_cleanly(fault, demo, tmp_path):
    """Exit 2 with the reason, for every command; the file stays byte-identical (no tables, no
    township added to another program's file, no fresh database made from an empty one)."""
    db, submission = demo
    make, reason = FILE_FAULTS[fault]
    make(db)
    before = digest(db)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for name, args in _commands(db, submission, out_dir).items():
        out = run_cli(*args)
        _assert_clean_failure(out, 2, reason)
        assert digest(db) == before, name
        assert not list(out_dir.iterdir()), name


def _readers_run_writers_refused(db: Path, submission: Path, out_dir: Path, code: int, *reason: str) -> None:
    """Every command once: the readers succeed, the writers exit ``code`` saying ``reason``; the
    database stays byte-identical and no export is written."""
    before = digest(db)
    for name, args in _commands(db, submission, out_dir).items():
        out = run_cli(*args)
        if name in READERS:
            _assert_clean_failure(out, 0)
        else:
            _assert_clean_failure(out, code, *reason)
    assert digest(db) == before
    assert not (out_dir / "e.xlsx").exists()


def test_every_command_with_the_window_open(demo, tmp_path):
    """Commands that only read run beside the window; writers (import, export) are refused with
    exit 4 naming who holds the database, and change nothing."""
    db, submission = demo
    holder = subprocess.Popen([sys.executable, str(ROOT / "tests" / "lock_holder.py"), str(db)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        _readers_run_writers_refused(db, submission, tmp_path, 4, "已被", "进程号", "请先关闭程序窗口")
    finally:
        holder.communicate("", timeout=30)


def test_a_lock_left_by_another_computer_stops_writers(demo):
    """Over a network share the window on another computer may still have it: a command cannot
    ask as the window does, so it says so (exit 4) and changes nothing."""
    import json

    db, submission = demo
    db.with_name(db.name + ".lock").write_text(json.dumps(
        {"host": "区局-笔记本", "user": "张三", "pid": 4242, "since": "2025-06-30T09:00:00"}, ensure_ascii=False),
        encoding="utf-8")
    before = digest(db)
    out = run_cli("import", submission, "--db", db)
    _assert_clean_failure(out, 4, "区局-笔记本", "命令行无法替您确认")
    assert digest(db) == before


@pytest.fixture
def immutable_db(demo):
    """The database file made read-only: chmod for a normal user, ``chattr +i`` for root (who
    ignores permissions); skipped where neither can make the file read-only."""
    db, submission = demo
    if getattr(os, "geteuid", lambda: 1)() != 0:  # not root (or Windows): permissions apply
        db.chmod(0o444)
        yield db, submission
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(db)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a file read-only for root here (no chattr +i)")
    try:
        yield db, submission
    finally:
        subprocess.run([chattr, "-i", str(db)], check=True)


def test_read_only_database(immutable_db, tmp_path):
    """Readers work on a read-only file (validate never writes, not even a status); writers exit 2
    saying the file is read-only."""
    db, submission = immutable_db
    _readers_run_writers_refused(db, submission, tmp_path, 2, "只读")


def test_validate_writes_nothing(demo):
    """Even on a writable file, validate leaves the database byte-identical (no status, no audit)."""
    db, _ = demo
    before = digest(db)
    out = run_cli("validate", "--db", db, "--period", PERIOD)
    _assert_clean_failure(out, 0)
    assert digest(db) == before


def _set_cells(sheet: str, changes: dict[tuple[int, int], object]) -> Callable[[object], None]:
    def change(workbook) -> None:
        for (row, col), value in changes.items():
            workbook[sheet].cell(row, col).value = value
    return change


MALFORMED_HIDDEN_ROWS = {
    "cells-empty-address": _set_cells("_cells", {(2, 2): None}),
    "cells-infinite-version": _set_cells("_cells", {(2, 7): "inf"}),
    "cells-short-row": _set_cells("_cells", {(2, c): None for c in range(3, 10)}),
}


def test_malformed_metadata_is_a_modified_file_never_a_clean_one(demo, tmp_path):
    """An ``inf`` format version in ``_meta``: the checksum covers the metadata, so the file reads as
    文件已被修改 (issue 10 point 7) — a warning the preview shows and the audit keeps — and the
    command still answers in Chinese without a traceback."""
    from openpyxl import load_workbook

    db, submission = demo
    workbook = load_workbook(submission)
    _set_cells("_meta", {(3, 2): "inf"})(workbook)
    crafted = tmp_path / "inf.xlsx"
    workbook.save(crafted)
    before = digest(db)
    out = run_cli("import", crafted, "--db", db, "--dry-run")
    _assert_clean_failure(out, 0)
    assert "文件已被修改" in out.stdout and digest(db) == before


@pytest.mark.parametrize("fault", sorted(MALFORMED_HIDDEN_ROWS))
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "import"])
def test_malformed_hidden_rows_are_a_refused_file(fault, dry_run, demo, tmp_path):
    """Whatever the reader makes of a malformed ``_cells``/``_meta`` row, the command answers
    "拒绝导入" with exit 2 and the database stays as it was."""
    from openpyxl import load_workbook

    db, submission = demo
    workbook = load_workbook(submission)
    MALFORMED_HIDDEN_ROWS[fault](workbook)
    crafted = tmp_path / f"{fault}.xlsx"
    workbook.save(crafted)
    before = digest(db)
    out = run_cli("import", crafted, "--db", db, *(["--dry-run"] if dry_run else []))
    _assert_clean_failure(out, 2, "拒绝导入")
    assert digest(db) == before


# -- disk full ------------------------------------------------------------------------------------

def _grown_submission(workspace: Workspace, township_id: int, out: Path) -> None:
    """A submission with 200 more project rows than the demo: importing it needs far more room
    than the database file has (the -wal outgrows the file, so the import's backup still fits)."""
    report_id = workspace.open_report(township_id, "reduction_projects", PERIOD).report.id
    with workspace.store.atomic():
        for i in range(200):
            row = workspace.store.add_list_row(report_id, "projects", "测试员")
            workspace.store.set_values(report_id, [
                (("projects", row, "name"), f"第{i}号治理工程" + "甲" * 400), (("projects", row, "type"), "工业治理"),
                (("projects", row, "start_date"), "2023-01-01"), (("projects", row, "cod"), 1.5),
                (("projects", row, "progress"), "已投运")], "测试员")
    workspace.refresh_status(report_id)
    export_submission(workspace, township_id, PERIOD, out)


def _project_rows(db: Path) -> int:
    conn = sqlite3.connect(str(db))
    try:
        return conn.execute("SELECT count(*) FROM list_rows WHERE table_key = 'projects'").fetchone()[0]
    finally:
        conn.close()


POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="simulates a full disk with RLIMIT_FSIZE (POSIX)")


@POSIX_ONLY
def test_disk_full_in_the_middle_of_an_import(tmp_path, catalogue):
    """The write fails part-way: exit 3 "could not complete", nothing changed, no traceback."""
    source = Workspace.open(tmp_path / "source.sqlite", catalogue=catalogue)
    _grown_submission(source, next(t for t in source.townships() if t.is_demo).id, tmp_path / "big.xlsx")
    source.close()
    db = tmp_path / "data" / "jnjp.sqlite"
    Workspace.open(db, catalogue=catalogue).close()
    rows, before = _project_rows(db), digest(db)
    out = run_cli("import", tmp_path / "big.xlsx", "--db", db, limit=db.stat().st_size + 8192)
    _assert_clean_failure(out, 3, "操作未完成，数据库未改动")
    assert _project_rows(db) == rows and digest(db) == before
    assert [b.reason for b in list_backups(db)] == ["导入前"]  # it got past its backup, to the writing
    assert run_cli("import", tmp_path / "big.xlsx", "--db", db).returncode == 0  # with room, it imports
    assert _project_rows(db) == rows + 200


@POSIX_ONLY
@pytest.mark.parametrize("command", ["export", "template", "flat"])
def test_disk_full_while_writing_a_file(command, demo, tmp_path):
    """One clear message, exit 3, no half-written file, no stray ``ZipFile.__del__`` traceback."""
    db, _ = demo
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    args = {"export": ["export", "--period", PERIOD, "--out", out_dir / "e.xlsx"],
            "template": ["template", "--period", PERIOD, "--out", out_dir / "t.xlsx"],
            "flat": ["flat", "--out", out_dir / "f.xlsx"]}[command]
    out = run_cli(*args, "--db", db, limit=33_000)  # room for the 32 KiB -shm, not for the workbook (≥ 35 KB)
    _assert_clean_failure(out, 3, "无法写入文件", "操作未完成")
    assert list(out_dir.iterdir()) == []


# -- output paths, names, leftovers ----------------------------------------------------------------

def test_output_onto_the_database_its_backups_or_the_program_is_refused(demo, tmp_path):
    from storage.backup import make_backup

    db, _ = demo
    backup = make_backup(db, "手动")
    before = digest(db), digest(backup)
    targets = [
        ("export", db), ("export", backup.parent / "x.xlsx"), ("flat", db), ("flat", backup),
        ("flat", backup.parent / "清单.csv"), ("template", ROOT / "forms" / "x.xlsx"),
        ("template", ROOT / "resources" / "模板.xlsx"), ("flat", db.with_name(db.name + "-wal")),
    ]
    for command, target in targets:
        extra = ["--period", PERIOD] if command != "flat" else []
        out = run_cli(command, "--db", db, "--out", target, *extra)
        text = out.stdout + out.stderr
        assert "Traceback" not in text and out.returncode == 2, (command, target, text)
    assert (digest(db), digest(backup)) == before
    assert not (ROOT / "forms" / "x.xlsx").exists() and not (backup.parent / "清单.csv").exists()
    copy = tmp_path / "副本.xlsx"  # another copy of a database renamed .xlsx is not overwritten either
    shutil.copy(db, copy)
    out = run_cli("export", "--db", db, "--period", PERIOD, "--out", copy)
    assert out.returncode == 2 and "该文件是一个数据库" in out.stderr


@pytest.mark.skipif(os.name == "nt", reason="Windows file names cannot hold control characters")
def test_control_characters_in_file_names_are_printed_safely(demo, tmp_path):
    db, submission = demo
    hostile = tmp_path / "a\x1b]0;标题\x07\x1b[2J\rb\u202ec.xlsx"
    shutil.copy(submission, hostile)
    out = run_cli("import", hostile, "--db", db, "--dry-run")
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    assert not any(ch in text for ch in "\x1b\x07\r\u202e")
    assert "a\\x1b]0;标题\\x07\\x1b[2J\\x0db\\u202ec.xlsx" in text
    out = run_cli("flat", "--db", db, "--out", tmp_path / "x\x1b[31m.txt")
    assert out.returncode == 2 and "\x1b" not in out.stderr and "x\\x1b[31m.txt" in out.stderr


def test_stored_control_characters_keep_validate_json_valid_and_the_terminal_safe(workspace, demo_township, db_path):
    """A name stored before input was cleaned (old database): printed escaped, and the JSON still
    parses back to the very same text."""
    import json

    name = "演示镇\x1b[2J\x85\u202e\x7f"
    with workspace.store.atomic():  # as an old program stored it: before input was cleaned
        workspace.store.conn.execute("UPDATE townships SET name = ? WHERE id = ?", (name, demo_township.id))
    workspace.close()
    out = run_cli("validate", "--db", db_path, "--period", PERIOD, "--township", demo_township.stat_code, "--json")
    assert out.returncode == 0, out.stderr
    assert not any(ch in out.stdout for ch in "\x1b\x85\u202e\x7f")
    assert json.loads(out.stdout)["township"] == name
    text = run_cli("validate", "--db", db_path, "--period", PERIOD, "--township", demo_township.stat_code)
    assert "演示镇\\x1b[2J\\u0085\\u202e\\u007f" in text.stdout


def test_leftovers_of_killed_backups_and_exports_are_cleaned(demo, tmp_path):
    """A kill during a backup leaves a full-size temporary copy, a kill during an export a
    temporary file beside the target: the next writer's start and the next export remove them."""
    from storage.backup import backup_dir

    db, submission = demo
    folder = backup_dir(db)
    folder.mkdir(exist_ok=True)
    part = folder / f".{db.stem}_20250101-000000-000000_启动时.sqlite.0123abcd.jnjp-tmp"
    legacy = folder / f"{db.stem}_20250101-000000-000000_启动时.sqlite.part"
    for leftover in (part, legacy):
        shutil.copy(db, leftover)
    target = tmp_path / "e.xlsx"
    export_leftovers = [tmp_path / ".e.xlsx.89abcdef.jnjp-tmp", tmp_path / ".e.xlsx.0a1b2c3d.tmp"]
    for leftover in export_leftovers:
        leftover.write_bytes(b"PK half")
    unrelated = tmp_path / "e.xlsx.tmp"  # not a name this program writes: never touched
    unrelated.write_bytes(b"keep")
    assert run_cli("export", "--db", db, "--period", PERIOD, "--out", target).returncode == 0
    assert not part.exists() and not legacy.exists()
    assert not any(p.exists() for p in export_leftovers) and unrelated.exists() and target.is_file()
    assert [p.name for p in folder.iterdir() if not p.name.endswith(".sqlite")] == []


def test_after_an_import_the_database_file_alone_holds_it(demo, tmp_path, catalogue):
    """Checkpointed at close and after the import, even while another program keeps the file open
    (so SQLite's own last-close checkpoint never runs): copying only jnjp.sqlite keeps every edit."""
    db, submission = demo
    other = sqlite3.connect(str(db))  # e.g. the district's query tool, idle
    try:
        other.execute("SELECT count(*) FROM townships").fetchone()
        ws = Workspace.open(db, catalogue=catalogue)
        town = next(t for t in ws.townships() if t.is_demo)
        report_id = ws.find_report_data(town.id, "energy_consumption", PERIOD).report.id
        ws.edit(report_id, ("energy", "electricity", "consumption"), "5")
        ws.close()
        assert _copied_value(db, tmp_path / "a", report_id, catalogue) == 5
        assert run_cli("import", submission, "--db", db).returncode == 0
        assert _copied_value(db, tmp_path / "b", report_id, catalogue) == 19380.9
    finally:
        other.close()


def _copied_value(db: Path, folder: Path, report_id: int, catalogue) -> object:
    folder.mkdir()
    shutil.copy(db, folder / db.name)  # the main file only, as a user copying jnjp.sqlite would
    ws = Workspace.open(folder / db.name, catalogue=catalogue)
    try:
        return ws.store.load(report_id).values[("energy", "electricity", "consumption")]
    finally:
        ws.close()
