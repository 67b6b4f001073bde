"""Databases made by every earlier schema version open, migrate forward and keep every value.

Each fixture in tests/fixtures/schema_vN.sqlite was written by the program at schema version N
(with a JSON file of what it holds); a new migration must leave all of it readable.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from storage.database import Store
from storage.migrations import SCHEMA_VERSION
from storage.opening import APPLICATION_ID
from storage.workspace import Workspace
from tests.stored import dump_cells

FIXTURES = Path(__file__).resolve().parent / "fixtures"
VERSIONS = sorted(int(p.stem.split("_v")[1]) for p in FIXTURES.glob("schema_v*.sqlite"))


def test_there_is_a_fixture_for_every_earlier_schema() -> None:
    assert VERSIONS == list(range(1, SCHEMA_VERSION + 1))[: len(VERSIONS)]
    assert VERSIONS and VERSIONS[0] == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_old_database_migrates_and_keeps_values(version: int, tmp_path: Path, catalogue) -> None:
    path = tmp_path / f"v{version}.sqlite"
    shutil.copy(FIXTURES / f"schema_v{version}.sqlite", path)
    expected = json.loads((FIXTURES / f"schema_v{version}.json").read_text(encoding="utf-8"))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == version
    assert conn.execute("PRAGMA application_id").fetchone()[0] == 0  # made before the id existed
    conn.close()

    store = Store.open(path)
    assert store.schema_version == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID  # adopted
    cells = store.conn.execute(
        f"SELECT r.period, v.table_key, v.row_key, v.col_key, v.value, v.note FROM {dump_cells(store.conn)} v"
        " JOIN reports r ON r.id = v.report_id ORDER BY 1, 2, 3, 4").fetchall()
    assert [list(c) for c in cells] == expected["cells"]
    assert store.conn.execute("SELECT COUNT(*) FROM townships").fetchone()[0] == expected["townships"]
    assert store.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] >= expected["audit"]
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()

    ws = Workspace.open(path, catalogue=catalogue)  # the program itself works on it
    try:
        demo = next(t for t in ws.townships() if t.is_demo)
        data = ws.find_report_data(demo.id, "energy_consumption", "2025")
        assert data.values[("energy", "lpg", "consumption")] == "待核实"  # typed text survived
        assert "改用天然气" in data.notes[("energy", "coke", "consumption")]
        result = ws.validate(data)
        assert any(f.row == "lpg" and f.severity == "错误" for f in result.findings)
    finally:
        ws.close()


def test_a_new_database_is_marked_as_ours(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "new.sqlite")
    try:
        assert store.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID == 0x4A4E4A50
    finally:
        store.close()


def test_another_programs_sqlite_file_is_refused_and_untouched(tmp_path: Path) -> None:
    from storage.opening import ForeignDatabaseError
    from tests.faulty_files import another_programs_file

    path = tmp_path / "jnjp.sqlite"
    another_programs_file(path)
    before = path.read_bytes()
    for readonly in (False, True):
        with pytest.raises(ForeignDatabaseError, match="不是本程序的数据库"):
            Store.open(path, readonly=readonly)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jnjp.sqlite"]
