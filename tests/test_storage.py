"""Storage on a real SQLite file: migrations, round-trip, autosave, audit, status, location."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.database import StorageError, Store
from storage.demo import DEMO_NAME
from storage.location import default_db_path
from storage.migrations import SCHEMA_VERSION
from storage.profile import ProfileError
from storage.workspace import PeriodLockedError, Workspace
from tests.stored import dump_cells
from user_error import UserError

CELL = ("energy", "coke", "consumption")


def read_cell(db_path: Path, report_id: int, cell=CELL):
    """Read straight from the file with a separate connection: what is really on disk."""
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(
            f"SELECT value, note FROM {dump_cells(conn)} WHERE report_id=? AND table_key=? AND row_key=? AND col_key=?",
            (report_id, *cell)).fetchone()
    finally:
        conn.close()


def test_migration_from_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()  # an existing, empty file
    store = Store.open(path)
    assert store.schema_version == SCHEMA_VERSION
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"townships", "periods", "reports", "cell_values", "list_rows", "audit", "settings"} <= tables
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    again = Store.open(path)  # re-opening migrates nothing and keeps the version
    assert again.schema_version == SCHEMA_VERSION
    again.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(Exception, match=f"数据库由较新版本的程序创建（结构版本 {SCHEMA_VERSION + 5}），请使用新版程序打开"):
        Store.open(path)
    assert path.read_bytes() == before


def test_garbage_file_gives_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "not-a-db.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="无法打开数据库"):
        Store.open(path)


def test_first_open_seeds_catalogue_and_demo(workspace: Workspace) -> None:
    towns = workspace.townships()
    assert towns[0].name == DEMO_NAME and towns[0].is_demo
    real = [t for t in towns if not t.is_demo]
    assert len(real) == 24  # 23 NBS units + 永昌街道 (MCA, no 统计代码 yet)
    yongchang = next(t for t in real if t.name == "永昌街道")
    assert yongchang.stat_code is None and yongchang.mca_code == "500118008"
    assert next(t for t in real if t.name == "卫星湖街道").stat_code == "500118007000"
    statuses = workspace.statuses(towns[0].id, "2025")
    assert statuses["energy_consumption"] in ("填报中", "已审核")
    assert workspace.statuses(towns[0].id, "2024")["energy_consumption"] == "已审核"


def test_edit_is_on_disk_immediately_with_audit(workspace: Workspace, demo_township, db_path: Path) -> None:
    data = workspace.open_report(demo_township.id, "energy_consumption", "2025")
    before = data.values.get(CELL)
    result = workspace.edit(data.report.id, CELL, "1,250.5")
    assert result.changed and result.parsed.value == 1250.5
    assert read_cell(db_path, data.report.id) == (1250.5, "")
    audit = workspace.store.audit(data.report.id, CELL)
    assert audit[-1]["old"] == before and audit[-1]["new"] == 1250.5 and audit[-1]["who"] == "测试员"
    assert not workspace.edit(data.report.id, CELL, "1250.5").changed  # same value: no new audit row
    assert len(workspace.store.audit(data.report.id, CELL)) == len(audit)


def test_invalid_text_is_kept_and_flagged(workspace: Workspace, demo_township, db_path: Path) -> None:
    data = workspace.open_report(demo_township.id, "energy_consumption", "2025")
    result = workspace.edit(data.report.id, CELL, "十二")
    assert result.parsed.error
    assert read_cell(db_path, data.report.id)[0] == "十二"  # nothing the user typed is lost
    status, findings = workspace.refresh_status(data.report.id)
    assert status == "有错误"
    assert any(f.cell == CELL and f.severity == "错误" for f in findings.findings)


def test_note_round_trip_and_status(workspace: Workspace, demo_township, db_path: Path) -> None:
    data = workspace.open_report(demo_township.id, "energy_consumption", "2025")
    cell = ("energy", "raw_coal", "consumption")
    workspace.edit(data.report.id, cell, "250000")
    status, _ = workspace.refresh_status(data.report.id, audited=True)
    assert status == "有警告"
    workspace.set_note(data.report.id, cell, "新建陶瓷厂全年满产，用煤量属实")
    assert read_cell(db_path, data.report.id, cell) == (250000, "新建陶瓷厂全年满产，用煤量属实")
    status, _ = workspace.refresh_status(data.report.id, audited=True)
    assert status == "已审核"
    reloaded = workspace.store.load(data.report.id)
    assert reloaded.notes[cell] == "新建陶瓷厂全年满产，用煤量属实"
    fields = [a["field"] for a in workspace.store.audit(data.report.id)]
    assert "note" in fields and "status" in fields


def test_batch_edit_is_one_transaction(workspace: Workspace, demo_township) -> None:
    data = workspace.open_report(demo_township.id, "energy_consumption", "2021")  # a year the demo leaves empty
    store = workspace.store
    with pytest.raises(StorageError, match="未能保存") as failed:
        # A failing write in the middle of a batch must leave nothing behind.
        store.set_values(data.report.id, [(("energy", "coke", "consumption"), 1.0),
                                          (("energy", None, "consumption"), 2.0)], "x")
    assert isinstance(failed.value.__cause__, sqlite3.IntegrityError)
    assert store.load(data.report.id).values == {}


def test_list_rows(workspace: Workspace, demo_township) -> None:
    data = workspace.open_report(demo_township.id, "energy_consumption", "2022")
    rid = data.report.id
    a = workspace.store.add_list_row(rid, "projects", "x")
    b = workspace.store.add_list_row(rid, "projects", "x")
    assert (a, b) == ("r1", "r2")
    workspace.store.set_value(rid, ("projects", a, "name"), "污水厂", "x")
    workspace.store.remove_list_row(rid, "projects", a, "x")
    loaded = workspace.store.load(rid)
    assert loaded.list_rows["projects"] == ["r2"]
    assert ("projects", a, "name") not in loaded.values
    assert workspace.store.add_list_row(rid, "projects", "x") == "r3"  # keys are never reused


def test_settings_are_json(workspace: Workspace) -> None:
    workspace.store.set_setting("last", {"township": 3, "period": "2025"})
    assert workspace.store.get_setting("last") == {"township": 3, "period": "2025"}
    raw = workspace.store.conn.execute("SELECT value FROM settings WHERE key='last'").fetchone()[0]
    assert raw == '{"township": 3, "period": "2025"}'


def test_profile_update(workspace: Workspace, demo_township) -> None:
    changes = workspace.update_profile(demo_township.id, filler="赵六", phone="13800000000")
    assert changes.townships and (changes.township.filler, changes.township.phone) == ("赵六", "13800000000")
    assert workspace.township(demo_township.id).filler == "赵六"


def test_profile_checks_are_in_the_core(workspace: Workspace, demo_township) -> None:
    """A 统计代码 already held by another township is refused with a Chinese reason before any
    write (not a driver IntegrityError), and so is a malformed one; nothing changes."""
    other = next(t for t in workspace.townships() if not t.is_demo and t.stat_code)
    with pytest.raises(ProfileError, match=f"统计代码 {other.stat_code} 已属于另一个镇街（{other.name}）"):
        workspace.update_profile(demo_township.id, stat_code=other.stat_code, filler="不应保存")
    with pytest.raises(ProfileError, match="12位数字"):
        workspace.update_profile(demo_township.id, stat_code="5001")
    assert isinstance(ProfileError("x"), UserError)
    assert workspace.township(demo_township.id) == demo_township
    assert workspace.update_profile(other.id, stat_code=other.stat_code).township == other  # its own code is fine


def test_portable_location_beside_program(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("JNJP_DB", raising=False)
    assert default_db_path(tmp_path) == tmp_path / "data" / "jnjp.sqlite"
    monkeypatch.setenv("JNJP_DB", str(tmp_path / "other.sqlite"))
    assert default_db_path(tmp_path) == tmp_path / "other.sqlite"


def test_unwritable_program_folder_falls_back_to_user_dir(tmp_path: Path, monkeypatch) -> None:
    import storage.location as location

    monkeypatch.delenv("JNJP_DB", raising=False)
    monkeypatch.setattr(location, "_writable", lambda folder: False)
    path = location.default_db_path(tmp_path)
    assert tmp_path not in path.parents and path.name == "jnjp.sqlite"


def test_storage_keeps_sqlite_utils_and_pandas_off_the_start_path(tmp_path: Path) -> None:
    """Opening a workspace and reading a report imports neither sqlite-utils (click, pluggy,
    dateutil, plugins: ~50 ms) nor pandas/numpy (~0.5 s); ``Store.db`` brings sqlite-utils on first
    use, still without pandas, and pandas imports normally afterwards."""
    import importlib.util
    import subprocess
    import sys

    with_pandas = importlib.util.find_spec("pandas") is not None  # the Windows build leaves pandas out
    code = ("import sys; from storage.workspace import Workspace; "
            f"ws = Workspace.open({str(tmp_path / 'a.sqlite')!r}); t = ws.townships()[0]; "
            "print(sorted(m for m in ('sqlite_utils', 'pandas', 'numpy', 'click') if m in sys.modules)); "
            "print(ws.store.db['townships'].count > 20, 'pandas' in sys.modules); "
            + ("import pandas; print(pandas.DataFrame({'a': [1]}).shape)" if with_pandas else "print('(1, 1)')"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.split("\n")[:3] == ["[]", "True False", "(1, 1)"]


def test_nested_atomic_blocks_are_savepoints(workspace: Workspace, demo_township) -> None:
    """A failing inner block is undone alone; the outer transaction still commits its own writes."""
    store = workspace.store
    with store.atomic():
        store.set_setting("outer", 1)
        try:
            with store.atomic():
                store.set_setting("inner", 2)
                raise ValueError("inner fails")
        except ValueError:
            pass
        store.set_setting("after", 3)
    assert (store.get_setting("outer"), store.get_setting("inner"), store.get_setting("after")) == (1, None, 3)


def test_failed_commit_rolls_back_and_the_next_write_commits(workspace: Workspace, demo_township,
                                                             db_path: Path) -> None:
    """In the rollback-journal mode (the fallback without WAL) a reader's open transaction makes
    COMMIT fail: the write is refused as a StorageError, nothing earlier is lost, and the
    connection is out of the transaction, so the next write really reaches the file."""
    store = workspace.store
    rid = workspace.open_report(demo_township.id, "energy_consumption", "2021").report.id
    store.set_value(rid, CELL, 1.5, "x")
    assert store.conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    store.conn.execute("PRAGMA busy_timeout = 50")
    reader = sqlite3.connect(db_path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM cell_values").fetchone()  # holds a SHARED lock
        with pytest.raises(StorageError, match="未能保存"):
            store.set_value(rid, CELL, 2.5, "x")
        assert not store.conn.in_transaction
    finally:
        reader.close()
    assert read_cell(db_path, rid) == (1.5, "")  # the earlier value is intact
    store.set_value(rid, CELL, 3.5, "x")
    assert read_cell(db_path, rid) == (3.5, "")  # committed: seen by another connection
    assert [a["new"] for a in store.audit(rid, CELL)] == [1.5, 3.5]


def test_locked_period_rule_is_in_the_core(workspace: Workspace, demo_township, db_path: Path) -> None:
    """An edit in a locked period without a reason is refused by the Workspace itself (whoever
    calls it), nothing is stored; with a reason the audit carries it; unlocking needs a reason."""
    rid = workspace.open_report(demo_township.id, "energy_consumption", "2021").report.id
    locked = workspace.set_period_locked(demo_township.id, "2021", True)
    assert locked.periods and locked.period == "2021" and workspace.needs_reason(rid)
    with pytest.raises(PeriodLockedError, match="未填写修改原因"):
        workspace.change_cells(rid, [(CELL, "12")])
    with pytest.raises(PeriodLockedError):
        workspace.change_cells(rid, [(CELL, "12")], locked_reason="   ")
    assert read_cell(db_path, rid) is None
    changes = workspace.change_cells(rid, [(CELL, "12")], "粘贴", locked_reason="区局要求更正")
    assert changes.cells == {CELL} and changes.state.data.values[CELL] == 12
    assert workspace.cell_changes(rid, CELL)[-1]["reason"] == "粘贴；已锁定期修改：区局要求更正"
    with pytest.raises(PeriodLockedError, match="解锁报告期须填写原因"):
        workspace.set_period_locked(demo_township.id, "2021", False, " ")
    assert workspace.period_locked(demo_township.id, "2021")
    workspace.set_period_locked(demo_township.id, "2021", False, "区局退回修改")
    assert not workspace.needs_reason(rid)
    assert isinstance(PeriodLockedError("x"), UserError)


def test_list_row_changes_go_through_the_workspace(workspace: Workspace, demo_township) -> None:
    """Add / fill / move / remove rows of a list table: each returns what it changed, and a
    removal re-derives the report's status from what is left."""
    rid = workspace.open_report(demo_township.id, "reduction_projects", "2021").report.id
    first = workspace.add_list_row(rid, "projects")
    second = workspace.add_list_row(rid, "projects")
    assert (first.row_key, second.row_key) == ("r1", "r2") and first.rows and not first.statuses
    assert second.state.data.list_rows["projects"] == ["r1", "r2"]
    filled = workspace.change_cells(rid, [(("projects", "r2", "name"), "污水厂")])
    assert filled.statuses[rid] != "未填" and filled.state.status == filled.statuses[rid]
    assert not workspace.move_list_row(rid, "projects", "r1", -1)  # already first: nothing changes
    moved = workspace.move_list_row(rid, "projects", "r2", -1)
    assert moved.rows and moved.state.data.list_rows["projects"] == ["r2", "r1"]
    removed = workspace.remove_list_row(rid, "projects", "r2")
    assert removed.statuses[rid] == "未填" and workspace.report(rid).status == "未填"
    assert removed.state.data.list_rows["projects"] == ["r1"]
    assert ("projects", "r2", "name") not in workspace.load(rid).values
    assert not workspace.copy_previous_rows(rid, "projects")  # 2020 has no report: nothing to copy
    later = workspace.open_report(demo_township.id, "reduction_projects", "2022").report.id
    workspace.change_cells(rid, [(("projects", "r1", "name"), "光伏电站")])
    copied = workspace.copy_previous_rows(later, "projects")
    assert copied.count == 1 and copied.rows and copied.statuses[later] != "未填"
    assert copied.state.data.values == {("projects", "r1", "name"): "光伏电站"}


def test_driver_errors_on_reads_are_storage_errors(workspace: Workspace, demo_township, db_path: Path) -> None:
    """Another program holding the file exclusively (rollback-journal mode): a read fails as a
    StorageError worded for the user, with the driver's error as its cause; afterwards all works."""
    rid = workspace.open_report(demo_township.id, "energy_consumption", "2025").report.id
    workspace.store.conn.execute("PRAGMA journal_mode = DELETE")
    workspace.store.conn.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StorageError, match="数据库操作失败：数据库正被其他程序占用") as failed:
            workspace.load(rid)
        assert isinstance(failed.value.__cause__, sqlite3.OperationalError)
    finally:
        other.close()
    assert workspace.load(rid).has_input
