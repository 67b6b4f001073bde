"""Databases as an older program left them: a new file brought to an older schema by the first
migrations only, and cells written as the program before migration 12 wrote them (one row of
``cell_values`` per cell: value, 说明, time; NaN stored as NULL by SQLite; a 说明 taken away left '')."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from storage.migrations import MIGRATIONS


def database_at(path: Path, version: int) -> sqlite3.Connection:
    """A new database file at schema ``version`` (autocommit connection, foreign keys on)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for number in range(1, version + 1):
        conn.execute("BEGIN")
        for statement in MIGRATIONS[number - 1]:
            statement(conn) if callable(statement) else conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    return conn


def add_report(conn: sqlite3.Connection, township: str, form_key: str, period: str) -> int:
    """A township (made when new) and its report of ``form_key`` for ``period``: the report's id."""
    found = conn.execute("SELECT id FROM townships WHERE name = ?", (township,)).fetchone()
    town = found[0] if found else conn.execute("INSERT INTO townships (name) VALUES (?)", (township,)).lastrowid
    conn.execute("INSERT OR IGNORE INTO periods (township_id, period) VALUES (?, ?)", (town, period))
    return conn.execute("INSERT INTO reports (township_id, form_key, form_version, period, created_at, updated_at)"
                        " VALUES (?, ?, 1, ?, '2025-01-01T00:00:00', '2025-01-01T00:00:00')",
                        (town, form_key, period)).lastrowid


def put_old_cells(conn: sqlite3.Connection, report_id: int, cells: list[tuple[tuple[str, str, str], Any, str]],
                  at: str = "2025-01-02T03:04:05") -> None:
    """Each (cell, value, 说明) as one row of ``cell_values``, as the program before migration 12 wrote it."""
    conn.execute("BEGIN")
    conn.executemany("INSERT OR REPLACE INTO cell_values (report_id, table_key, row_key, col_key, value, note,"
                     " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(report_id, *cell, value, note, at) for cell, value, note in cells])
    conn.execute("COMMIT")


def unpack_values(conn: sqlite3.Connection) -> None:
    """A database put back to the structure before migration 12 by hand: each pack's values into
    ``cell_values`` again (one row per cell, the pack's time), ``cell_columns`` dropped."""
    rows = [(rid, table, row, col, value, at)
            for rid, table, col, keys, vals, at in conn.execute(
                "SELECT report_id, table_key, col_key, row_keys, vals, updated_at FROM cell_columns").fetchall()
            for row, value in zip(json.loads(keys), json.loads(vals))]
    conn.executemany("INSERT INTO cell_values (report_id, table_key, row_key, col_key, value, note, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, '', ?) ON CONFLICT (report_id, table_key, row_key, col_key)"
                     " DO UPDATE SET value = excluded.value", rows)
    conn.execute("DROP TABLE cell_columns")
