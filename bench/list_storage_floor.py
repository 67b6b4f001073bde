"""How fast a 5,000-row list is read as stored (migration 12: one pack per column and chunk of 256
list rows, ``storage.cell_packs``) against the layouts it replaced or could have taken: the floor
under "first validate < 100 ms" and "import preview ≤ 2×" (issue 16), measured, not guessed.

Before migration 12 every list cell was a row of ``cell_values`` (report, table, row, column,
value), and Python's sqlite3 made a tuple of three objects per cell: reading the 65,000 values of
5,000 enterprises was most of what a first validation or a preview spent on the stored report. On a
copy of a 5,000-row database this script also stores the same list as it was (one row per cell) and
packed per list row, in scratch tables of the copy, and reads each way in turn, checking that all
give the same values. Today's reading is ``cell_packs.read_values`` (the cell dict ``Store.load``
returns) and ``cell_packs.read_columns`` (the columns as stored).

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
from storage import cell_packs  # noqa: E402

_CELLS = "SELECT row_key, col_key, value FROM old_cells WHERE report_id = ? AND table_key = ?"


def _copy(source: Path, folder: Path) -> tuple[sqlite3.Connection, int, str]:
    """A copy of ``source`` with its largest list also stored per cell and as row packs."""
    copy = folder / "packed.sqlite"
    shutil.copyfile(source, copy)
    conn = sqlite3.connect(copy)
    report_id, table = conn.execute("SELECT report_id, table_key FROM cell_columns GROUP BY report_id, table_key"
                                    " ORDER BY sum(json_array_length(row_keys)) DESC LIMIT 1").fetchone()
    values = cell_packs.read_values(conn, report_id)
    rows: dict[str, dict[str, Any]] = {}
    for (t, row, col), value in values.items():
        if t == table:
            rows.setdefault(row, {})[col] = value
    cols = sorted({col for cells in rows.values() for col in cells})
    with conn:
        conn.execute("CREATE TABLE old_cells (report_id INTEGER, table_key TEXT, row_key TEXT, col_key TEXT, value,"
                     " PRIMARY KEY (report_id, table_key, row_key, col_key)) WITHOUT ROWID")
        conn.executemany("INSERT INTO old_cells VALUES (?, ?, ?, ?, ?)",
                         [(report_id, table, r, c, v) for r, cells in rows.items() for c, v in cells.items()])
        conn.execute("CREATE TABLE row_packs (row_key TEXT PRIMARY KEY, packed TEXT) WITHOUT ROWID")
        conn.executemany("INSERT INTO row_packs VALUES (?, ?)",
                         [(r, json.dumps([cells.get(c) for c in cols])) for r, cells in rows.items()])
    return conn, report_id, table


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws, _town = open_sized(Path(tmp) / "sized.sqlite", n)
        ws.close()
        conn, report_id, table = _copy(Path(tmp) / "sized.sqlite", Path(tmp))
        cols = sorted({c for t, c in cell_packs.read_columns(conn, report_id, table)})
        loads = json.loads

        def packs() -> dict[tuple[str, str, str], Any]:  # today: ``Store.load``'s values (the list is nearly all)
            return cell_packs.read_values(conn, report_id)

        def columns() -> Any:
            return cell_packs.read_columns(conn, report_id, table)

        def cells() -> dict[tuple[str, str, str], Any]:  # before migration 12
            return {(table, r, c): v for r, c, v in conn.execute(_CELLS, (report_id, table))}

        def row_packs() -> dict[tuple[str, str, str], Any]:
            return {(table, r, c): v for r, packed in conn.execute("SELECT row_key, packed FROM row_packs")
                    for c, v in zip(cols, loads(packed)) if v is not None}

        assert cells() == row_packs() == {k: v for k, v in packs().items() if k[0] == table}
        values = len(cells())
        for what, alternative in (("column packs → cell dict (today)", packs), ("column packs → columns", columns),
                                  ("row packs → cell dict", row_packs)):
            base, ours, base_cpu, cpu = paired(cells, alternative, 9)
            report(f"list read: {what}", n, ours, base, f"per-cell rows, before 12 ({values} values)",
                   cpu=(cpu, base_cpu))
        conn.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
