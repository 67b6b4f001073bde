"""List-row keys are never reused (issue 16): a new enterprise never inherits a deleted one's
history, and migration 3 repairs databases where an earlier program had already reused a key."""

from __future__ import annotations

import sqlite3

from storage.database import now_text
from storage.workspace import Workspace
from tests.old_schema import unpack_values

FORM, TABLE, PERIOD = "key_energy_units", "units", "2025"


def _units_report(ws: Workspace, township_id: int) -> int:
    return ws.open_report(township_id, FORM, PERIOD).report.id


def test_a_deleted_rows_key_is_never_issued_again(workspace, demo_township) -> None:
    rid = _units_report(workspace, demo_township.id)
    assert workspace.load(rid).list_rows[TABLE] == ["r1", "r2"]
    workspace.remove_list_row(rid, TABLE, "r2")
    assert workspace.add_list_row(rid, TABLE).row_keys == ("r3",)
    for key in ("r1", "r3"):
        workspace.remove_list_row(rid, TABLE, key)
    assert workspace.load(rid).list_rows.get(TABLE, []) == []
    assert workspace.add_list_row(rid, TABLE, count=2).row_keys == ("r4", "r5")
    workspace.copy_previous_rows(rid, TABLE)  # last year's enterprises come back under fresh keys too
    copied = workspace.load(rid).list_rows[TABLE][2:]
    assert copied and all(int(k[1:]) > 5 for k in copied)


def _reuse_a_key_as_the_old_program_did(ws: Workspace, rid: int) -> None:
    """Delete enterprise r2, then add a different enterprise under the same key r2 (the old
    numbering: the highest key still present + 1), with its own figures, audited as a program did."""
    store = ws.store
    store.remove_list_row(rid, TABLE, "r2", "测试员")
    with store.atomic():
        store.conn.execute("INSERT INTO list_rows (report_id, table_key, row_key, position) VALUES (?, ?, 'r2', 2)",
                           (rid, TABLE))
        store.conn.execute("INSERT INTO audit (at, who, report_id, table_key, row_key, field, new)"
                           " VALUES (?, '测试员', ?, ?, 'r2', 'row', 'add')", (now_text(), rid, TABLE))
    ws.edit_many(rid, [((TABLE, "r2", "name"), "新建玻璃有限公司"), ((TABLE, "r2", "uscc"), "91500118MA61C3YK8X"),
                       ((TABLE, "r2", "source"), "企业直报"), ((TABLE, "r2", "energy_equal"), 900.5),
                       ((TABLE, "r2", "energy_equiv"), 1100.2), ((TABLE, "r2", "value_added"), 3000.0)])


def _reported_findings(ws: Workspace, rid: int, row: str) -> list[str]:
    result = ws.validate(ws.load(rid))
    return [f.message for f in result.findings if f.row == row and f.rule_id == "K007"]


def test_migration_gives_a_reused_key_a_fresh_one_and_keeps_the_history_apart(db_path, catalogue, demo_township):
    ws = Workspace.open(db_path, catalogue=catalogue, user="测试员")
    rid = _units_report(ws, demo_township.id)
    _reuse_a_key_as_the_old_program_did(ws, rid)
    assert _reported_findings(ws, rid, "r2")  # the bug: the new enterprise "changed" the deleted one's figures
    new_values = {k[2]: v for k, v in ws.load(rid).values.items() if k[1] == "r2"}
    ws.close()
    conn = sqlite3.connect(str(db_path))  # back to the structure before migration 3 (and the later ones)
    unpack_values(conn)  # (migration 12's packs)
    for table in ("list_row_keys", "first_values", "first_value_doubts", "intake_register", "district_marks", "district_remarks",
                  "no_data", "validation_cache", "revision_counter"):
        conn.execute(f"DROP TABLE {table}")
    for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {trigger}")  # migration 8
    conn.execute("ALTER TABLE reports DROP COLUMN revision")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()

    ws = Workspace.open(db_path, catalogue=catalogue, user="测试员")
    try:
        data = ws.load(rid)
        assert data.list_rows[TABLE] == ["r1", "r3"]
        assert {k[2]: v for k, v in data.values.items() if k[1] == "r3"} == new_values
        assert not any(k[1] == "r2" for k in data.values)
        assert _reported_findings(ws, rid, "r3") == []  # its own first figures only
        rekey = [a for a in ws.store.audit(rid) if a["field"] == "row" and a["new"] == "rekey"]
        assert [(a["old"], a["row"], a["who"]) for a in rekey] == [("r2", "r3", "程序升级")]
        history = ws.store.audit(rid)
        assert any(a["row"] == "r2" and a["old"] == "remove" for a in history)  # the deleted row's trail stays
        assert ws.add_list_row(rid, TABLE).row_keys == ("r4",)
    finally:
        ws.close()
