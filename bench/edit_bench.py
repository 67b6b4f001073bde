"""Edit speed: one edit → save → re-validate the form → repaint, and a 200×10 paste, through the
real grid model and view (offscreen), against the bare SQLite write of the same data measured in
the same run. Goals: one edit < 16 ms on a ~500-cell form, the paste < 300 ms.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/edit_bench.py [repeats]

A measurement, not a test: prints medians in ms and ratios to the baseline.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EDIT_ROWS, EDIT_COLS = 50, 10  # 50 × 10 = 500 cells: 8 input columns, 2 computed
PASTE_ROWS, PASTE_COLS = 200, 10


def form_yaml(key: str, rows: int, cols: int, computed: int) -> str:
    """A grid form of ``rows`` × ``cols`` with ``computed`` formula columns, a total row and row rules."""
    inputs = cols - computed
    lines = [f"key: {key}", "code: 测试表", f"name: 性能测试{key}", "authority: 测试", 'approval_authority: ""',
             'approval_no: ""', "valid_until: 2027年12月", "period_type: 年报", "version: 1", "tables:",
             "  - key: t", "    title: 测试", "    kind: grid", "    columns:"]
    for c in range(inputs):
        lines.append(f"      - {{key: c{c}, label: 栏目{c}, decimals: 2, min: 0}}")
    for c in range(computed):
        lines.append(f"      - {{key: f{c}, label: 计算{c}, decimals: 2, formula: c0 * {c + 2} + c1}}")
    lines.append("    rows:")
    for r in range(rows):
        lines.append(f"      - {{key: r{r}, code: '{r + 1:02d}', label: 项目{r}, unit: 吨}}")
    sums = ", ".join(f"f{c}: \"sum_rows('f{c}')\"" for c in range(computed))
    lines.append(f"      - {{key: total, code: '{rows + 1}', label: 合计, kind: total, formulas: {{{sums}}}}}")
    lines += ["rules:", "  - id: W1", "    severity: 警告", "    table: t", "    scope: row", "    anchor: c0",
              "    assert: c0 <= 1000000", "    message: 偏大"]
    return "\n".join(lines) + "\n"


def bare_sqlite(path: Path, cells: list[tuple[str, str, float]]) -> float:
    """The floor: the same cells written as one committed transaction, same pragmas, no audit."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS v (r TEXT, c TEXT, value, PRIMARY KEY (r, c)) WITHOUT ROWID")
    t = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT OR REPLACE INTO v VALUES (?, ?, ?)", cells)
    conn.execute("COMMIT")
    elapsed = (time.perf_counter() - t) * 1000
    conn.close()
    return elapsed


def main(repeats: int = 30) -> None:
    from PySide6.QtWidgets import QApplication

    from forms.catalogue import FormCatalogue
    from storage.workspace import Workspace
    from ui.controller import ReportState
    from ui.grid_model import GridModel
    from ui.grid_view import GridView

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="edit-bench-"))
    folder = tmp / "forms"
    folder.mkdir()
    (folder / "edit.yaml").write_text(form_yaml("edit", EDIT_ROWS, EDIT_COLS, 2), encoding="utf-8")
    (folder / "paste.yaml").write_text(form_yaml("paste", PASTE_ROWS, PASTE_COLS, 0), encoding="utf-8")
    ws = Workspace.open(tmp / "bench.sqlite", catalogue=FormCatalogue.load(folder), demo=False, user="bench")
    township = ws.townships()[0]

    def view_for(form_key: str) -> tuple[GridModel, GridView]:
        data = ws.open_report(township.id, form_key, "2025")
        form = ws.form(form_key)
        model = GridModel(ws, form, form.table("t"), ReportState(data, ws.validate(data), data.report.status))
        view = GridView()
        view.setModel(model)
        view.resize(1200, 800)
        view.show()
        app.processEvents()
        return model, view

    # one edit on a 500-cell form, filled first so validation has real work
    model, view = view_for("edit")
    fill = [[str(r * 10 + c) for c in range(EDIT_COLS - 2)] for r in range(EDIT_ROWS)]
    model.paste(model.index(0, 3), fill)
    edit_times, full_times = [], []
    for i in range(repeats):
        index = model.index(i % EDIT_ROWS, 3 + i % (EDIT_COLS - 2))
        app.processEvents()
        t = time.perf_counter()
        model.setData(index, str(1000 + i))  # save (committed) → re-validate → dataChanged
        app.processEvents()  # → Qt paints what changed, as in the running program
        edit_times.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        view.viewport().repaint()  # for reference: repainting every visible cell
        full_times.append((time.perf_counter() - t) * 1000)
    bare_edit = statistics.median(bare_sqlite(tmp / "bare.sqlite", [(f"r{i}", "c0", float(i))])
                                  for i in range(repeats))

    # a 200 × 10 paste
    model, view = view_for("paste")
    paste_times = []
    for i in range(max(3, repeats // 5)):
        block = [[str(r * PASTE_COLS + c + i) for c in range(PASTE_COLS)] for r in range(PASTE_ROWS)]
        t = time.perf_counter()
        result = model.paste(model.index(0, 3), block)
        app.processEvents()
        paste_times.append((time.perf_counter() - t) * 1000)
        assert result.written == PASTE_ROWS * PASTE_COLS and not result.refused
    cells = [(f"r{r}", f"c{c}", float(r + c)) for r in range(PASTE_ROWS) for c in range(PASTE_COLS)]
    bare_paste = statistics.median(bare_sqlite(tmp / f"bare{i}.sqlite", cells) for i in range(3))

    edit, paste = statistics.median(edit_times), statistics.median(paste_times)
    print(f"one edit on {EDIT_ROWS}×{EDIT_COLS} form (save+validate+repaint): median {edit:.1f} ms, "
          f"max {max(edit_times):.1f} ms; bare SQLite write {bare_edit:.1f} ms; ratio {edit / bare_edit:.1f}× "
          f"(goal < 16 ms: {'OK' if edit < 16 else 'MISSED'}); a full repaint of the visible grid alone "
          f"{statistics.median(full_times):.1f} ms")
    print(f"paste {PASTE_ROWS}×{PASTE_COLS}: median {paste:.1f} ms; bare SQLite write {bare_paste:.1f} ms; "
          f"ratio {paste / bare_paste:.1f}× (goal < 300 ms: {'OK' if paste < 300 else 'MISSED'})")
    ws.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
