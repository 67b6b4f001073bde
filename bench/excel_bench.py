"""Excel exchange speed: export and import of one township-year against the raw libraries.

* export: ``export_submission`` (validation, layout, styles, hidden sheets, checksum, atomic write)
  against raw openpyxl writing the same values to the same cells of a bare workbook;
* import: ``preview_import`` (safety checks, calamine read, parsing, checksum, diff against the
  database) against raw python-calamine reading every sheet of the same file.

Baselines are measured in the same run; medians in ms and the ratios are printed (goals:
export ≤ 1.5×, import ≤ 3×). A measurement, not a pass/fail test.

    .venv/bin/python bench/excel_bench.py [runs]
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def paired_ms(baseline, ours, runs: int) -> tuple[float, float]:
    """Medians in ms, the two alternating run by run so a busy machine slows both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for fn, out in ((baseline, times[0]), (ours, times[1])):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def main(runs: int = 15) -> None:
    import python_calamine
    from openpyxl import Workbook, load_workbook

    from export.importer import preview_import
    from export.submission import CELLS_SHEET, export_submission
    from storage.workspace import Workspace

    folder = Path(tempfile.mkdtemp(prefix="excel_bench_"))
    ws = Workspace.open(folder / "bench.sqlite", user="bench")
    town = next(t for t in ws.townships() if t.is_demo)
    out = folder / "submission.xlsx"
    export_submission(ws, town.id, "2025", out)

    # the cells the export wrote, to let raw openpyxl write exactly those
    book = load_workbook(out)
    cells = []
    for sheet in book.sheetnames:
        for row in book[sheet].iter_rows():
            for cell in row:
                if cell.value is not None:
                    cells.append((sheet, cell.row, cell.column, cell.value))
    count = sum(1 for r in book[CELLS_SHEET].iter_rows(min_row=2) if r[0].value)

    def raw_write() -> None:
        wb = Workbook()
        wb.remove(wb.active)
        sheets = {}
        for sheet, r, c, value in cells:
            if sheet not in sheets:
                sheets[sheet] = wb.create_sheet(sheet)
            sheets[sheet].cell(r, c, value)
        wb.save(folder / "raw.xlsx")

    def our_export() -> None:
        export_submission(ws, town.id, "2025", out)

    def raw_read() -> None:
        wb = python_calamine.CalamineWorkbook.from_path(str(out))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        wb.close()

    def our_import() -> None:
        preview_import(ws, out)

    for fn in (raw_write, our_export, raw_read, our_import):  # warm up imports and caches
        fn()
    raw_w, ours_w = paired_ms(raw_write, our_export, runs)
    raw_r, ours_r = paired_ms(raw_read, our_import, runs)
    print(f"one township-year: {count} mapped cells, {len(cells)} non-empty cells in the workbook; median of {runs}")
    print(f"export  raw openpyxl {raw_w:8.1f} ms   export_submission {ours_w:8.1f} ms   ratio {ours_w / raw_w:5.2f}× (goal ≤ 1.5×)")
    print(f"import  raw calamine {raw_r:8.1f} ms   preview_import    {ours_r:8.1f} ms   ratio {ours_r / raw_r:5.2f}× (goal ≤ 3×)")
    ws.close()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
