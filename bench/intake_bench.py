"""The district's intake and completeness matrix: 收件 of 23 submission files (one district) and of
1,000 (a whole municipality's 镇街 count) against a raw python-calamine read of the same files
(every sheet of every file to Python values), measured in turn in the same run; and the 24 × 7
completeness matrix painted in the real district window against a bare QTableView of the same
texts. Goals: 1,000 files ≤ 2.5× calamine; 23 files < 5 s; the matrix < 100 ms.
From ``district.read_ahead.PARALLEL_FROM`` files on the intake reads ahead in other processes
(the machine's other cores): the bench prints its wall time, the main process's CPU time and the
CPU time of all processes (main + reading processes), each against calamine in ONE process.
While the reading processes are ahead they also validate files (``district.file_check``): the
main process's CPU time then falls and theirs rises by about as much (the work is balanced).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/intake_bench.py [files]

The 1,000 files are made by the program itself (export_submission, one made-up township each)
once and kept in the temporary folder (jnjp_intake_bench_files) for later runs (made again when
the forms' versions changed).
A measurement, not a test: prints medians in ms and ratios to the baseline.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import paired_ms, paired_wall_cpu_ms, report  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "jnjp_intake_bench_files"
# Township n lists n % LAYOUTS more enterprises (and projects, PV sites) than the demo: real townships'
# files differ in their lists' lengths, so no sheet layout or hidden map is the same in every file
# (files of one layout would let the reading side reuse a parsed map, which real batches rarely can).
LAYOUTS = 40


def township_files(count: int) -> list[Path]:
    from district.sample_files import make_township_files
    from forms.catalogue import FormCatalogue

    folder = CACHE / str(count)
    catalogue = FormCatalogue.load()
    versions = ",".join(f"{form.key}@{form.version}" for form in catalogue)  # files of older forms: 表式版本不符
    versions += f";extra rows n % {LAYOUTS}"  # (files made before the layouts varied are made again)
    marker = folder / "forms.txt"
    files = sorted(folder.glob("*.xlsx"))
    if len(files) != count or not marker.exists() or marker.read_text(encoding="utf-8") != versions:
        shutil.rmtree(folder, ignore_errors=True)
        print(f"… exporting {count} township files into {folder} (once)", file=sys.stderr, flush=True)
        files = sorted(make_township_files(folder, catalogue, count, extra_rows=lambda n: n % LAYOUTS).values())
        marker.write_text(versions, encoding="utf-8")
    return files


def calamine_read(files: list[Path]) -> None:
    import python_calamine as pc

    for path in files:
        book = pc.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()


def _children_cpu_ms() -> float:
    """CPU time of the finished child processes (the intake's reading processes), where known."""
    try:
        import resource
    except ImportError:  # Windows: not measured
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def intake(files: list[Path], folder: Path, count: int, children: list[float] | None = None) -> None:
    """A fresh district database (knowing the townships), then every file received (from
    ``PARALLEL_FROM`` files on, read ahead by reading processes: their CPU time goes to ``children``)."""
    from district.intake import intake_files
    from district.sample_files import add_synthetic_townships
    from storage.workspace import Workspace

    shutil.rmtree(folder, ignore_errors=True)
    ws = Workspace.create_district(folder / "区库.sqlite")
    try:
        if count > 23:
            add_synthetic_townships(ws.store, count - 23)
        start = _children_cpu_ms()
        batch = intake_files(ws, files, backup=False)
        if children is not None:
            children.append(_children_cpu_ms() - start)
        if len(batch.results) != count or not all(r.applied for r in batch.results):
            raise RuntimeError(f"收件结果不符：{batch.summary()}")
    finally:
        ws.close()


def measure_intake(count: int, runs: int) -> None:
    """Wall time, the main process's CPU time, and the CPU time of all processes (the main one and
    its reading processes) — each against one process reading the same files with calamine."""
    import statistics

    files = township_files(count)
    work = Path(tempfile.mkdtemp(prefix="jnjp_intake_"))
    children: list[float] = []
    try:
        base, ours, base_cpu, ours_cpu = paired_wall_cpu_ms(
            lambda: calamine_read(files), lambda: intake(files, work / "db", count, children), runs,
            warm=count <= 23)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if count <= 23:
        report("收件 intake", count, ours, base, "python-calamine read", "< 5 s", ours < 5000)
    else:
        report("收件 intake", count, ours, base, "python-calamine read", "≤ 2.5× calamine", ours <= 2.5 * base)
    report("收件 intake (CPU, main process)", count, ours_cpu, base_cpu, "python-calamine read", "≤ 2.5× calamine",
           ours_cpu <= 2.5 * base_cpu)
    if any(children):
        total = ours_cpu + statistics.median(children[-runs:])
        report("收件 intake (CPU, all processes)", count, total, base_cpu, "python-calamine read",
               "≤ 2.5× calamine", total <= 2.5 * base_cpu)


def measure_matrix(runs: int) -> None:
    """The real district window's matrix (completeness read + model reset + paint) vs a bare view."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QTableView

    from district.completeness import completeness
    from storage.workspace import Workspace
    from ui.app import create_application
    from ui.district_window import DistrictWindow

    app = create_application()
    files = township_files(23)
    work = Path(tempfile.mkdtemp(prefix="jnjp_matrix_"))
    try:
        intake(files, work / "db", 23)
        window = DistrictWindow(Workspace.open(work / "db" / "区库.sqlite", demo=False))
        window.period_combo.setCurrentIndex(window.period_combo.findData("2025"))
        window.resize(1366, 768)
        window.show()
        app.processEvents()
        view = window.matrix_view
        matrix = completeness(window.workspace, "2025")
        bare = QTableView()
        model = QStandardItemModel(25, 8)
        bare.setModel(model)
        bare.resize(view.size())
        bare.show()

        def ours() -> None:
            window.matrix_model.set_matrix(completeness(window.workspace, "2025"))
            view.viewport().repaint()

        def baseline() -> None:
            model.clear()
            model.setRowCount(25)
            model.setColumnCount(8)
            for r, town in enumerate(matrix.townships):
                for c, (key, _code) in enumerate(matrix.forms):
                    model.setItem(r, c, QStandardItem(str(matrix.cells[(town.id, key)])))
            bare.viewport().repaint()

        base, mine = paired_ms(baseline, ours, runs)
        report("报送进度 matrix paint", "24×7", mine, base, "bare QTableView", "< 100 ms", mine < 100)
        window.close()
        bare.close()
        QApplication.processEvents()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    big = int(argv[0]) if argv else 1000
    measure_intake(23, 5)
    measure_matrix(20)
    measure_intake(big, 1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
