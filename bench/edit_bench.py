"""Paste speed: a 200×10 block pasted through the real grid model and view (offscreen): save,
re-validate, repaint; against the bare SQLite write of the same cells, measured in turn in the
same run. Goal: < 300 ms. (One edit at realistic and maximum sizes: bench/scale_bench.py.)

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/edit_bench.py [repeats]

A measurement, not a test: prints medians in ms and ratios to the baseline.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def main(repeats: int = 9) -> None:
    from PySide6.QtWidgets import QApplication

    from bench.common import paired_ms, report
    from forms.catalogue import FormCatalogue
    from storage.workspace import Workspace
    from ui.controller import ReportState
    from ui.grid_model import GridModel
    from ui.grid_view import GridView

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="edit-bench-"))
    folder = tmp / "forms"
    folder.mkdir()
    (folder / "paste.yaml").write_text(form_yaml("paste", PASTE_ROWS, PASTE_COLS, 0), encoding="utf-8")
    ws = Workspace.open(tmp / "bench.sqlite", catalogue=FormCatalogue.load(folder), demo=False, user="bench")
    township = ws.townships()[0]
    data = ws.open_report(township.id, "paste", "2025")
    form = ws.form("paste")
    model = GridModel(ws, form, form.table("t"), ReportState(data, ws.validate(data), data.report.status))
    view = GridView()
    view.setModel(model)
    view.resize(1200, 800)
    view.show()
    app.processEvents()
    rounds = [0]

    def paste() -> None:
        rounds[0] += 1
        block = [[str(r * PASTE_COLS + c + rounds[0]) for c in range(PASTE_COLS)] for r in range(PASTE_ROWS)]
        result = model.paste(model.index(0, 3), block)
        app.processEvents()
        assert result.written == PASTE_ROWS * PASTE_COLS and not result.refused

    def bare() -> None:
        rounds[0] += 1
        cells = [(f"r{r}", f"c{c}", float(r + c + rounds[0])) for r in range(PASTE_ROWS) for c in range(PASTE_COLS)]
        bare_sqlite(tmp / "bare.sqlite", cells)

    base, ours = paired_ms(bare, paste, repeats)
    report(f"paste {PASTE_ROWS}×{PASTE_COLS} (store+validate+paint)", PASTE_ROWS * PASTE_COLS, ours, base,
           "bare SQLite write", "goal < 300 ms", ours < 300)
    ws.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
