"""Many values written at once: applying the import of a 1,000- and a 5,000-row 永节统2表 file into
another township (values, audit trail, first values, statuses, 撤销导入 snapshot), and a paste of as
many enterprises in the window's path (rows made room for, then ``Workspace.change_cells``: typed
text parsed, stored, audited, re-validated) — each against a bare SQLite database storing the same
values one row each (table, row, column, value) plus one audit row each in one transaction: the floor
of what any program keeping an audit trail must do. Measured in turn in the same run; no goal (the
issue's table had none: before stop 29 they took ≈ 39 s and ≈ 64 s at 5,000 rows).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bulk_bench.py [sizes…]
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import paired, report  # noqa: E402
from bench.sizes import FORM, TABLE, enterprise, open_sized  # noqa: E402

RUNS = 3


def _bare(path: Path, cells: list[tuple[tuple[str, str, str], Any]]) -> Any:
    """The same cells stored by bare SQLite (one row a value, one audit row a value, one commit)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE cells (t TEXT, r TEXT, c TEXT, v, PRIMARY KEY (t, r, c)) WITHOUT ROWID")
    conn.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, t TEXT, r TEXT, c TEXT, old, new)")
    rows = [(*cell, value) for cell, value in cells]

    def write() -> None:
        conn.execute("BEGIN")
        conn.execute("DELETE FROM cells")
        conn.executemany("INSERT INTO cells VALUES (?, ?, ?, ?)", rows)
        conn.executemany("INSERT INTO audit (t, r, c, old, new) VALUES (?, ?, ?, NULL, ?)", rows)
        conn.execute("COMMIT")
    return write


def measure(n: int, folder: Path) -> None:
    from export.importer import apply_import, preview_import
    from export.submission import export_submission

    ws, town = open_sized(folder / f"n{n}.sqlite", n)
    out = folder / f"n{n}.xlsx"
    export_submission(ws, town.id, "2025", out, form_keys=[FORM])
    cells = [((TABLE, f"r{i + 1}", col), value) for i in range(n) for col, value in enterprise(i, 2025).items()]
    bare = _bare(folder / f"bare{n}.sqlite", cells)
    others = iter([t for t in ws.townships() if not t.is_demo])
    pending: list[Any] = []

    def preview() -> None:  # untimed: the file previewed for the next township (as the window does first)
        target = next(others)
        pending.append(preview_import(ws, out, township_id=target.id, period="2025", accept_other=True))

    def apply() -> None:
        apply_import(ws, pending.pop(), backup=False)

    b, o, b_cpu, o_cpu = paired(bare, apply, RUNS, setup=preview)
    report("import apply (into another township)", n, o, b, "bare SQLite rows+audit", "", None, cpu=(o_cpu, b_cpu))

    typed = [(cell, str(value)) for cell, value in cells]
    counter = itertools.count()

    def paste() -> None:
        target = next(others)
        rid = ws.open_report(target.id, FORM, "2025").report.id
        have = ws.add_list_row(rid, TABLE, n).row_keys
        keyed = dict(zip((f"r{i + 1}" for i in range(n)), have, strict=True))
        ws.change_cells(rid, [((t, keyed[r], c), text) for (t, r, c), text in typed], reason=f"粘贴 {next(counter)}")

    b, o, b_cpu, o_cpu = paired(bare, paste, RUNS)
    report("paste n enterprises (rows + values)", n, o, b, "bare SQLite rows+audit", "", None, cpu=(o_cpu, b_cpu))
    ws.close()


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [1000, 5000]
    with tempfile.TemporaryDirectory(prefix="jnjp_bulk_") as folder:
        for n in sizes:
            measure(n, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
