"""How fast a 5,000-row list could be read if it were stored otherwise: the floor under "first
validate < 100 ms" and "import preview ≤ 2×" (issue 16), measured, not guessed.

Today every list cell is a row of ``cell_values`` (report, table, row, column, value), and Python's
sqlite3 makes a tuple of three objects per cell: reading the 65,000 values of 5,000 enterprises takes
most of what a first validation or a preview spends on the stored report. On a copy of a 5,000-row
database this script also stores the same list packed — one JSON array per list row, or one per
column (rows in list order) — in scratch tables of the copy, and reads each way in turn, checking that
all give the same values. Alternatives only: the program does not read packs.

    .venv/bin/python bench/list_storage_floor.py [n]
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import paired, report  # noqa: E402
from bench.sizes import open_sized  # noqa: E402

_CELLS = ("SELECT row_key, col_key, value FROM cell_values WHERE report_id = ? AND table_key = ?"
          " AND value IS NOT NULL")


def _packed_copy(source: Path, folder: Path) -> tuple[sqlite3.Connection, int, str, list[str], list[str]]:
    """A copy of ``source`` with its largest list also stored as row packs and column packs."""
    copy = folder / "packed.sqlite"
    shutil.copyfile(source, copy)
    conn = sqlite3.connect(copy)
    report_id, table = conn.execute("SELECT report_id, table_key FROM cell_values GROUP BY report_id, table_key"
                                    " ORDER BY count(*) DESC LIMIT 1").fetchone()
    rows: dict[str, dict[str, Any]] = {}
    for row, col, value in conn.execute(_CELLS, (report_id, table)):
        rows.setdefault(row, {})[col] = value
    cols = sorted({col for cells in rows.values() for col in cells})
    order = [r for (r,) in conn.execute("SELECT row_key FROM list_rows WHERE report_id = ? AND table_key = ?"
                                        " ORDER BY position", (report_id, table))]
    with conn:
        conn.execute("CREATE TABLE row_packs (row_key TEXT PRIMARY KEY, packed TEXT) WITHOUT ROWID")
        conn.execute("CREATE TABLE col_packs (col_key TEXT PRIMARY KEY, packed TEXT) WITHOUT ROWID")
        conn.executemany("INSERT INTO row_packs VALUES (?, ?)",
                         [(r, json.dumps([cells.get(c) for c in cols])) for r, cells in rows.items()])
        conn.executemany("INSERT INTO col_packs VALUES (?, ?)",
                         [(c, json.dumps([rows.get(r, {}).get(c) for r in order])) for c in cols])
    return conn, report_id, table, cols, order


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws, _town = open_sized(Path(tmp) / "sized.sqlite", n)
        ws.close()
        conn, report_id, table, cols, order = _packed_copy(Path(tmp) / "sized.sqlite", Path(tmp))
        loads = json.loads

        def cells() -> dict[tuple[str, str, str], Any]:  # what ``Store.load`` does per list
            return {(table, r, c): v for r, c, v in conn.execute(_CELLS, (report_id, table))}

        def row_packs() -> dict[tuple[str, str, str], Any]:
            return {(table, r, c): v for r, packed in conn.execute("SELECT row_key, packed FROM row_packs")
                    for c, v in zip(cols, loads(packed)) if v is not None}

        def column_packs() -> dict[str, list[Any]]:
            return {c: loads(packed) for c, packed in conn.execute("SELECT col_key, packed FROM col_packs")}

        def column_packs_as_cells() -> dict[tuple[str, str, str], Any]:
            return {(table, r, c): v for c, values in column_packs().items()
                    for r, v in zip(order, values) if v is not None}

        assert cells() == row_packs() == column_packs_as_cells()
        values = len(cells())
        for what, alternative in (("row packs → cell dict", row_packs), ("column packs → columns", column_packs),
                                  ("column packs → cell dict", column_packs_as_cells)):
            base, ours, base_cpu, cpu = paired(cells, alternative, 9)
            report(f"list read: {what}", n, ours, base, f"per-cell rows ({values} values)", cpu=(cpu, base_cpu))
        conn.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
