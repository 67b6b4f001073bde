"""The program at the district's sizes: the demo (2 enterprises), 1,000 and 5,000 (the form's
maximum) in 永节统2表. Each operation against a baseline doing the same work without the program,
measured in turn in the same run:

  open report     Workspace.open_state + GridModel + first paint vs  reading that report from SQLite
                  of the list table ("nothing kept": no session ever validated it — "painted": the
                  grid painted and editable, its findings still being validated as in the window
                  (1,000+ enterprises), "findings": until they are shown, validated in turn here,
                  on a pool thread in the window; "kept": a new session, findings kept by an
                  earlier one and nothing changed since; "again": the same session)
  one edit        typed value → stored → revalidated → painted  vs  one committed SQLite write
  validate period Workspace.validate_period                    vs  reading every report it reads
                  (same three cases as opening)
Each line gives wall and CPU time (this process), medians of runs measured in turn.
  export          export_submission                           vs  XlsxWriter (constant memory) writing the
                                                                  same visible cells (the forms' sheets; the
                                                                  hidden map is the program's own overhead)
  import preview  preview_import of that file                  vs  python-calamine reading every sheet

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/scale_bench.py [sizes…] [--import]

(``--import``: only the import preview, reported in wall and CPU time, with more runs than the
full bench; with 1,000 and 5,000 both measured, its growth between them as an exponent: 1.0 is linear.)
"""

from __future__ import annotations

import math
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SIZES, paired, report  # noqa: E402
from bench.sizes import FORM, TABLE, open_sized  # noqa: E402


def _runs(n: Any) -> int:
    return 9 if n == "demo" else 5 if n == 1000 else 3


def _import_runs(n: Any) -> int:
    """``--import`` measures nothing else: more runs, so that a busy machine moves the medians less."""
    return 15 if n == "demo" else 9 if n == 1000 else 7


def _bare_write(path: Path) -> Any:
    """One committed write with the program's pragmas, no audit: the floor of an edit."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS v (k INTEGER PRIMARY KEY, value)")
    counter = [0]

    def write() -> None:
        counter[0] += 1
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT OR REPLACE INTO v VALUES (1, ?)", (counter[0],))
        conn.execute("COMMIT")
    return write


def _cells_of(path: Path, *, visible_only: bool = False) -> list[tuple[str, list[list[Any]]]]:
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    out = [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names
           if not (visible_only and name.startswith("_"))]
    book.close()
    return out


def _xlsxwriter(path: Path, sheets: list[tuple[str, list[list[Any]]]]) -> Any:
    import xlsxwriter

    def write() -> None:
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        for name, rows in sheets:
            sheet = book.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value != "" and value is not None:
                        sheet.write(r, c, value)
        book.close()
    return write


def measure(n: Any, folder: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from export.submission import export_submission
    from storage.workspace import Workspace
    from ui.grid_model import GridModel
    from ui.grid_view import GridView

    app = QApplication.instance() or QApplication([])
    ws, town = open_sized(folder / f"n{n}.sqlite", n)
    runs = _runs(n)
    form = ws.form(FORM)
    data = ws.open_report(town.id, FORM, "2025")
    rid = data.report.id
    views: list[GridView] = []

    def fresh() -> Workspace:  # the same database, nothing validated yet (as when the program starts)
        return Workspace(ws.store, ws.catalogue, ws.user)

    def forget() -> None:  # as if no session had ever validated it (an old database, or every report changed)
        from storage.validation_cache import forget_all

        forget_all(ws.store)

    def open_report(workspace: Workspace = ws) -> GridModel:
        # as the window opens it (r4): a large report with nothing kept is painted before it is validated
        model = GridModel(workspace, form, form.table(TABLE), workspace.open_state(town.id, FORM, "2025", defer=True))
        view = GridView()
        view.setModel(model)
        view.resize(1366, 700)
        view.show()
        app.sendPostedEvents()  # layout and the first paint; not the timer that validates a kept report
        view.repaint()  # once it is on screen (run untimed before the next run: ``settle``)
        views.append(view)
        return model

    def settle(then: Any = None) -> Any:
        def run() -> None:
            app.processEvents()
            if then is not None:
                then()
        return run

    def load() -> Any:
        return ws.store.load(rid)

    def measured(what: str, ours: Any, base: Any, base_name: str, goal: str, limit: float,
                 setup: Any = None) -> None:
        b, o, b_cpu, o_cpu = paired(base, ours, runs, setup=setup)
        report(what, n, o, b, base_name, goal, o < limit, cpu=(o_cpu, b_cpu))

    def open_and_validate() -> None:
        """Painted, then its findings as the window gets them: validated on another (read-only)
        connection — here in turn, on the window's pool thread alongside — and adopted."""
        from storage.database import Store

        workspace = fresh()
        model = open_report(workspace)
        state = model.state
        if state.result.pending:
            other = Workspace(Store.open(workspace.path, readonly=True), workspace.catalogue, workspace.user)
            result = other.validate(other.load(state.report_id))
            other.close()
            adopted = workspace.adopt_validation(state, result)
            assert adopted is not None
            model.set_state(adopted)
            app.sendPostedEvents()
            views[-1].repaint()

    measured("open report (nothing kept): painted", lambda: open_report(fresh()), load, "SQLite read",
             "goal < 300 ms", 300, setup=settle(forget))
    measured("open report (nothing kept): findings", open_and_validate, load, "SQLite read",
             "(shown a moment later)", float("inf"), setup=settle(forget))
    measured("open report (new session, kept)", lambda: open_report(fresh()), load, "SQLite read", "goal < 300 ms",
             300, setup=settle())
    measured("open report again (unchanged)", open_report, load, "SQLite read", "goal < 300 ms", 300, setup=settle())
    for view in views:
        view.close()
    drained = time.perf_counter() + 0.2  # the kept opens validate once painted: done before the edits are timed
    while time.perf_counter() < drained:
        app.processEvents()
    model = open_report()
    app.processEvents()
    target = model.index_for_cell((TABLE, model.rows[0].key, "value_added"))
    assert model.is_input(target)
    original = model.value(target)
    counter = [0]

    def edit() -> None:  # small changes, so no new warning blocks the export measured below
        counter[0] += 1
        assert model.setData(target, str(original + counter[0] % 2))
        app.processEvents()

    measured("one edit (store+validate+paint)", edit, _bare_write(folder / f"bare{n}.sqlite"), "bare SQLite write",
             "goal < 16 ms", 16)
    model.setData(target, str(original))

    period_reports = ws.store.reports_for(town.id, "2025")
    every = [r for p in ws.store.periods(town.id) for r in ws.store.reports_for(town.id, p)]

    def read_all() -> None:
        for r in every:
            ws.store.load(r.id)

    forms = len(period_reports)
    measured(f"validate period ({forms} forms, nothing kept)", lambda: fresh().validate_period(town.id, "2025"),
             read_all, "read all periods", "goal < 100 ms", 100, setup=forget)
    measured("validate period (new session, kept)", lambda: fresh().validate_period(town.id, "2025"), read_all,
             "read all periods", "goal < 100 ms", 100)
    measured("validate period again (unchanged)", lambda: ws.validate_period(town.id, "2025"), read_all,
             "read all periods", "goal < 100 ms", 100)

    out = folder / f"n{n}.xlsx"
    export_submission(ws, town.id, "2025", out)
    sheets = _cells_of(out, visible_only=True)
    base, ours, base_cpu, cpu = paired(_xlsxwriter(folder / f"raw{n}.xlsx", sheets),
                                       lambda: export_submission(ws, town.id, "2025", out), runs)
    report("export", n, ours, base, "XlsxWriter c.m.", "goal ≤ 1.5×", ours <= 1.5 * base, cpu=(cpu, base_cpu))

    measure_import(ws, out, n, runs)
    ws.close()


def measure_import(ws: Any, out: Path, n: Any, runs: int) -> None:
    """The import preview of the program's own file against python-calamine reading every sheet of
    it: wall and CPU time of the same runs."""
    from export.importer import preview_import

    base, ours, base_cpu, cpu = paired(lambda: _cells_of(out), lambda: preview_import(ws, out), runs)
    report("import preview", n, ours, base, "raw calamine", "goal ≤ 2×", ours <= 2 * base, cpu=(cpu, base_cpu))
    _IMPORT_CPU[n] = (cpu, base_cpu)


_IMPORT_CPU: dict[Any, tuple[float, float]] = {}  # n → (preview, raw calamine) CPU ms, for ``_import_growth``


def _import_growth() -> None:
    """Linear in n? The preview's CPU time from 1,000 to 5,000 rows as an exponent (1.0: linear),
    beside raw calamine's on the same files."""
    if 1000 in _IMPORT_CPU and 5000 in _IMPORT_CPU:
        (small, small_base), (large, large_base) = _IMPORT_CPU[1000], _IMPORT_CPU[5000]
        print(f"import preview 1,000 → 5,000 rows: CPU ×{large / small:.2f}, exponent "
              f"{math.log(large / small) / math.log(5):.2f} (raw calamine ×{large_base / small_base:.2f}, "
              f"{math.log(large_base / small_base) / math.log(5):.2f}; 1.00 = linear)")


def measure_import_only(n: Any, folder: Path) -> None:
    """``--import``: only the import preview (the database grown and exported first)."""
    from export.submission import export_submission

    ws, town = open_sized(folder / f"n{n}.sqlite", n)
    out = folder / f"n{n}.xlsx"
    export_submission(ws, town.id, "2025", out)
    measure_import(ws, out, n, _import_runs(n))
    ws.close()


def main(argv: list[str]) -> int:
    only_import = "--import" in argv
    sizes = [a if a == "demo" else int(a) for a in argv if a != "--import"] or list(SIZES)
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        for n in sizes:
            try:
                (measure_import_only if only_import else measure)(n, Path(tmp))
            except Exception as exc:  # noqa: BLE001 - a size the program cannot handle is a result
                report(f"FAILED: {type(exc).__name__}: {str(exc)[:60]}", n, float("nan"), float("nan"), "-")
    _import_growth()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
