"""What the database file really holds, read through a fresh connection of its own: only
committed data is visible, so a test proves an edit was saved, not just shown."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def stored_value(db_path: Path, report_id: int, table: str, row: str, col: str) -> Any:
    conn = sqlite3.connect(str(db_path))
    try:
        found = conn.execute("SELECT value FROM cell_values WHERE report_id = ? AND table_key = ? AND row_key = ?"
                             " AND col_key = ?", (report_id, table, row, col)).fetchone()
    finally:
        conn.close()
    return found[0] if found else None
