"""Backups, the start-up health check and restore, on real SQLite files."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from storage import backup
from storage.backup import BackupError, check_database, good_backups, list_backups, make_backup, restore_backup
from tests.faulty_files import damage_pages
from tests.stored import stored_value

CELL = ("energy", "raw_coal", "consumption")


def _value(db_path: Path, report_id: int):
    return stored_value(db_path, report_id, *CELL)


def test_backup_is_a_checked_copy_including_uncheckpointed_edits(workspace, demo_township, db_path):
    data = workspace.open_report(demo_township.id, "energy_consumption", "2025")
    workspace.edit(data.report.id, CELL, "4321")  # still in the -wal while the workspace is open
    path = make_backup(db_path, "启动时")
    assert path.parent == db_path.parent / "backups"
    assert path.name.startswith("test_") and path.name.endswith("_启动时.sqlite")
    assert check_database(path) is None
    assert _value(path, data.report.id) == 4321
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no half-written copy left
    [info] = list_backups(db_path)
    assert info.path == path and info.reason == "启动时" and info.size > 0
    assert "启动时" in info.label


def test_rotation_keeps_the_newest(workspace, db_path):
    made = []
    for i in range(5):
        made.append(make_backup(db_path, f"导入前{i}", keep=3))
        time.sleep(0.002)
    listed = list_backups(db_path)
    assert [b.path for b in listed] == list(reversed(made[-3:]))
    assert not made[0].exists() and not made[1].exists()


def test_check_database_reports_damage_in_chinese(workspace, db_path, tmp_path):
    assert check_database(db_path) is None
    assert check_database(tmp_path / "missing.sqlite") is None
    copy = tmp_path / "copy.sqlite"
    make_backup(db_path, "x").replace(copy)
    damage_pages(copy)
    problem = check_database(copy)
    assert problem and ("完整性检查未通过" in problem or "无法读取" in problem)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    assert "无法读取" in check_database(garbage)


def test_backup_of_a_damaged_file_is_refused_and_leaves_nothing(tmp_path):
    db = tmp_path / "bad.sqlite"
    db.write_bytes(b"junk" * 2000)
    with pytest.raises(BackupError, match="无法备份"):
        make_backup(db, "启动时")
    assert list_backups(db) == []
    assert not list((tmp_path / "backups").glob("*"))


def test_restore_replaces_the_database_and_keeps_the_current_one(workspace, demo_township, db_path, catalogue):
    from storage.workspace import Workspace

    report_id = workspace.open_report(demo_township.id, "energy_consumption", "2025").report.id
    workspace.edit(report_id, CELL, "100")
    good = make_backup(db_path, "手动")
    workspace.edit(report_id, CELL, "999")
    workspace.close()
    kept = restore_backup(db_path, good)
    assert kept is not None and kept.exists() and _value(kept, report_id) == 999
    assert _value(db_path, report_id) == 100
    reopened = Workspace.open(db_path, catalogue=catalogue)
    try:
        assert reopened.store.load(report_id).values[CELL] == 100
    finally:
        reopened.close()


def test_damaged_database_copy_kept_and_good_backup_offered(workspace, demo_township, db_path):
    report_id = workspace.open_report(demo_township.id, "energy_consumption", "2025").report.id
    workspace.edit(report_id, CELL, "555")
    first = make_backup(db_path, "启动时")
    time.sleep(0.002)
    broken = make_backup(db_path, "启动时")
    damage_pages(broken)  # a backup damaged later is not offered
    workspace.close()
    damage_pages(db_path)
    assert check_database(db_path) is not None
    candidates = good_backups(db_path)
    assert [c.path for c in candidates] == [first]
    kept = restore_backup(db_path, candidates[0].path)
    assert kept is not None and kept.parent.parent.name == backup.DAMAGED_DIRNAME
    assert kept.read_bytes() != b""
    assert check_database(db_path) is None
    assert _value(db_path, report_id) == 555


def test_restore_refuses_a_bad_backup_and_changes_nothing(workspace, db_path, tmp_path):
    workspace.close()
    before = db_path.read_bytes()
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"junk" * 3000)
    with pytest.raises(BackupError, match="不可用"):
        restore_backup(db_path, bad)
    assert db_path.read_bytes() == before


def test_a_migration_is_preceded_by_a_backup(workspace, demo_township, db_path, monkeypatch):
    """An older file gets a checked backup (reason 升级前vN) before its structure changes."""
    import storage.database
    import storage.migrations
    from storage.database import Store

    report_id = workspace.open_report(demo_township.id, "energy_consumption", "2025").report.id
    workspace.edit(report_id, CELL, "777")
    workspace.close()
    extra = [*storage.migrations.MIGRATIONS, ["CREATE TABLE probe_v2 (x)"]]
    monkeypatch.setattr(storage.migrations, "MIGRATIONS", extra)
    monkeypatch.setattr(storage.migrations, "SCHEMA_VERSION", len(extra))
    monkeypatch.setattr(storage.database, "SCHEMA_VERSION", len(extra))
    store = Store.open(db_path)
    try:
        assert store.schema_version == len(extra)
    finally:
        store.close()
    [info] = list_backups(db_path)
    assert info.reason == f"升级前v{len(extra) - 1}"
    conn = sqlite3.connect(str(info.path))
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(extra) - 1  # the old structure
        assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 'probe_v2'").fetchall()
    finally:
        conn.close()
    assert _value(info.path, report_id) == 777
    store = Store.open(db_path)  # already migrated: no further backup
    store.close()
    assert len(list_backups(db_path)) == 1


def test_start_backup_only_when_something_changed(workspace, demo_township, db_path):
    """Decided by the content marker (audit, profiles, periods, settings), not by file times."""
    from storage.backup import backup_on_start

    first = backup_on_start(db_path)
    assert first is not None and first.name.endswith("_启动时.sqlite")
    assert backup_on_start(db_path) is None  # nothing changed since
    report_id = workspace.open_report(demo_township.id, "energy_consumption", "2025").report.id
    workspace.edit(report_id, CELL, "31")
    second = backup_on_start(db_path)
    assert second is not None and second != first
    assert _value(second, report_id) == 31
    assert backup_on_start(db_path) is None
    workspace.store.update_profile(demo_township.id, phone="023-12345678")  # not audited: still a change
    assert backup_on_start(db_path) is not None


def test_five_starts_of_an_unchanged_database_make_one_backup(workspace, demo_township, db_path, catalogue):
    """Each start opens the file (touching -wal/-shm and the file times) and closes it again."""
    from storage.backup import backup_on_start
    from storage.workspace import Workspace

    workspace.close()
    made = []
    for _ in range(5):
        ws = Workspace.open(db_path, catalogue=catalogue)
        made.append(backup_on_start(db_path))
        ws.townships()
        ws.close()
    assert [p for p in made if p is not None] == made[:1] and len(list_backups(db_path)) == 1
