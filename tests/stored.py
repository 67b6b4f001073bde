"""What the database file really holds, read through a fresh connection of its own: only
committed data is visible, so a test proves an edit was saved, not just shown.

w2 (migration 12): values live in packs per column (``storage.cell_packs``), the 说明 in
``cell_values``. ``dump_cells`` lays them out again as one row per cell, as ``cell_values`` held
them before — a TEMP table ``stored_cells`` with its columns — so a test's own queries read cells."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

STORED_CELLS = "stored_cells"


def dump_cells(conn: Any) -> str:
    """(Re)make the TEMP table ``stored_cells`` (report_id, table_key, row_key, col_key, value, note,
    updated_at) of ``conn``'s database as it is now: one row per cell holding a value or a 说明 (a
    value's time is its pack's, a cell with both the later one). Returns its name."""
    cells: dict[tuple[int, str, str, str], list[Any]] = {}
    for rid, table, col, rows, vals, at in conn.execute(
            "SELECT report_id, table_key, col_key, row_keys, vals, updated_at FROM cell_columns").fetchall():
        for row, value in zip(json.loads(rows), json.loads(vals)):
            cells[(rid, table, row, col)] = [value, "", at]
    for rid, table, row, col, note, at in conn.execute(
            "SELECT report_id, table_key, row_key, col_key, note, updated_at FROM cell_values WHERE note <> ''").fetchall():
        got = cells.setdefault((rid, table, row, col), [None, "", at])
        got[1], got[2] = note, max(got[2], at)
    conn.execute(f"DROP TABLE IF EXISTS temp.{STORED_CELLS}")
    conn.execute(f"CREATE TEMP TABLE {STORED_CELLS} (report_id INTEGER, table_key TEXT, row_key TEXT, col_key TEXT,"
                 " value, note TEXT, updated_at TEXT, PRIMARY KEY (report_id, table_key, row_key, col_key))")
    conn.executemany(f"INSERT INTO {STORED_CELLS} VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(*key, *rest) for key, rest in cells.items()])
    return STORED_CELLS


def as_old_snapshot(conn: Any, taken: dict[str, Any]) -> None:
    """An import's snapshot (``storage.import_log.snapshot``) turned into what the program before
    migration 12 kept: each report's cells as one list (table, row, column, value, 说明, time)."""
    for report in taken["reports"]:
        cells = conn.execute(f"SELECT table_key, row_key, col_key, value, note, updated_at FROM {dump_cells(conn)}"
                             " WHERE report_id = ?", (report["id"],)).fetchall()
        del report["packs"], report["notes"]
        report["cells"] = [list(c) for c in cells]


def stored_value(db_path: Path, report_id: int, table: str, row: str, col: str) -> Any:
    conn = sqlite3.connect(str(db_path))
    try:
        found = conn.execute(f"SELECT value FROM {dump_cells(conn)} WHERE report_id = ? AND table_key = ?"
                             " AND row_key = ? AND col_key = ?", (report_id, table, row, col)).fetchone()
    finally:
        conn.close()
    return found[0] if found else None
