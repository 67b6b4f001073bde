"""Each cell's first stored value (what the `reported` rule compares with) is kept in its own table,
written with the value in one transaction, and filled from the audit trail by the migration."""

from __future__ import annotations

import shutil
from pathlib import Path

from storage.database import Store
from storage.history import first_values

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "schema_v1.sqlite"


def _from_audit(store: Store, report_id: int) -> dict:
    """The definition: the first non-blank value of each cell in the audit trail."""
    found: dict = {}
    for table, row, col, new in store.conn.execute(
            "SELECT table_key, row_key, col_key, new FROM audit WHERE report_id = ? AND field = 'value'"
            " AND new IS NOT NULL ORDER BY id", (report_id,)):
        found.setdefault((table, row, col), new)
    return found


def _blank_cell(workspace, township) -> tuple[int, tuple[str, str, str]]:
    """A report and one of its input cells that nothing was ever stored in."""
    data = workspace.open_report(township.id, "energy_consumption", "2025")
    table = workspace.form("energy_consumption").table("energy")
    return data.report.id, next((table.key, r.key, "consumption") for r in table.rows
                                if not r.is_total and (table.key, r.key, "consumption") not in data.values)


def test_the_migration_fills_first_values_from_the_audit_trail(tmp_path):
    path = tmp_path / "v1.sqlite"
    shutil.copy(FIXTURE, path)
    store = Store.open(path)
    try:
        report_ids = [r[0] for r in store.conn.execute("SELECT id FROM reports")]
        assert any(_from_audit(store, rid) for rid in report_ids)
        for rid in report_ids:
            assert first_values(store, rid) == _from_audit(store, rid)
    finally:
        store.close()


def test_a_value_changed_or_cleared_later_keeps_its_first_value(workspace, demo_township):
    rid, cell = _blank_cell(workspace, demo_township)
    for typed in ("", "120.5", "130", "", "140"):
        workspace.edit(rid, cell, typed)
    assert first_values(workspace.store, rid)[cell] == 120.5
    assert first_values(workspace.store, rid, [cell, ("energy", "none", "purchase")]) == {cell: 120.5}
    assert first_values(workspace.store, rid) == _from_audit(workspace.store, rid)


def test_a_failed_write_stores_no_first_value(workspace, demo_township):
    """Same transaction as the value: a write that is rolled back leaves no first value either."""
    import pytest

    rid, cell = _blank_cell(workspace, demo_township)
    workspace.store.conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON audit WHEN NEW.field = 'value'"
                                 " BEGIN SELECT RAISE(ABORT, 'refused'); END")
    with pytest.raises(Exception, match="refused"):
        workspace.edit(rid, cell, "99")
    assert cell not in first_values(workspace.store, rid)
    assert workspace.load(rid).values.get(cell) != 99
