"""Storage on a real SQLite file: migrations, round-trip, autosave, audit, status, location."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.database import StorageError, Store
from storage.demo import DEMO_NAME
from storage.location import default_db_path
from storage.migrations import SCHEMA_VERSION
from storage.workspace import Workspace

CELL = ("energy", "coke", "consumption")


def read_cell(db_path: Path, report_id: int, cell=CELL):
    """Read straight from the file with a separate connection: what is really on disk."""
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(
            "SELECT value, note FROM cell_values WHERE report_id=? AND table_key=? AND row_key=? AND col_key=?",
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
    with pytest.raises(sqlite3.IntegrityError):
        # A failing write in the middle of a batch must leave nothing behind.
        store.set_values(data.report.id, [(("energy", "coke", "consumption"), 1.0),
                                          (("energy", None, "consumption"), 2.0)], "x")
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
    updated = workspace.update_profile(demo_township.id, filler="赵六", phone="13800000000")
    assert (updated.filler, updated.phone) == ("赵六", "13800000000")


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


def test_storage_keeps_pandas_off_the_start_path() -> None:
    """sqlite-utils would import pandas+numpy (~0.5 s) before the first report shows."""
    import subprocess
    import sys

    code = ("import sys; import storage.database, storage.workspace; "
            "print('pandas' in sys.modules, 'numpy' in sys.modules); "
            "import pandas, sqlite_utils; print(pandas.DataFrame({'a': [1]}).shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.split("\n")[:2] == ["False False", "(1, 1)"]
