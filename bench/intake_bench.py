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

    … bench/intake_bench.py --split [files]   (y5: where each side's CPU goes, per file)

``--split`` times the steps of both sides on the first ``files`` (default 200) of the 1,000: the reading
side's steps one file after another in this process (hash, read, 审核, what travels, pickling), then an
intake with one reading process, the main process's steps and its SQL statements timed by thread CPU.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
        print(f"… exporting {count} township files into {folder} (once)", file=sys.stderr, flush=True)
        # made in a folder of their own, then renamed into place: a run started meanwhile never sees
        # (and deletes) a half-made folder
        CACHE.mkdir(parents=True, exist_ok=True)
        making = Path(tempfile.mkdtemp(prefix=f"{count}-making-", dir=CACHE))
        make_township_files(making, catalogue, count, extra_rows=lambda n: n % LAYOUTS)
        (making / "forms.txt").write_text(versions, encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        making.rename(folder)
        files = sorted(folder.glob("*.xlsx"))
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


def _timed(owner: Any, name: str, times: dict[str, list[float]], label: str | None = None) -> Callable[[], None]:
    """Wrap ``owner.name`` so that each call adds its thread CPU time to ``times[label]``; returns the undo."""
    import functools
    import time

    original = getattr(owner, name)
    slot = times.setdefault(label or name, [0.0, 0])

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            slot[0] += time.thread_time() - start
            slot[1] += 1

    setattr(owner, name, wrapper)
    return lambda: setattr(owner, name, original)


def _print_times(title: str, times: dict[str, list[float]], files: int, top: int = 40) -> None:
    print(f"{title} (CPU ms a file, calls a file)")
    for label, (seconds, calls) in sorted(times.items(), key=lambda item: -item[1][0])[:top]:
        print(f"  {seconds * 1000 / files:8.3f} ms  {calls / files:6.1f}  {label}")


def split_reading(files: list[Path]) -> None:
    """The reading side's steps for each file, as ``district.read_ahead._work`` makes them (validating
    every file: the share a reading process validates depends on the balance)."""
    import pickle
    import time

    import district.read_ahead as ra
    from district.file_check import file_findings
    from forms.catalogue import FormCatalogue

    catalogue = FormCatalogue.load()
    ra.read_one(files[0], catalogue)  # (the modules imported, as in a reading process already at work)
    times: dict[str, list[float]] = {}

    def add(label: str, seconds: float) -> None:
        slot = times.setdefault(label, [0.0, 0])
        slot[0] += seconds
        slot[1] += 1

    clock = time.process_time
    sent_bytes = 0
    for path in files:
        t0 = clock()
        ra.file_sha256(path)
        t1 = clock()
        pre = ra.read_one(path, catalogue)  # (hashes the file too)
        t2 = clock()
        if pre.read is None:
            continue
        pre.findings = file_findings(pre.read, catalogue)
        t3 = clock()
        for item in pre.read.forms:
            item.form = item.form.key  # type: ignore[assignment]
        ra._travelling(pre.read)
        pre.data_sha256 = ra._values_sha256([(item.form, item.values) for item in pre.read.forms])  # type: ignore[misc]
        t4 = clock()
        sent = pickle.dumps(pre, protocol=pickle.HIGHEST_PROTOCOL)
        t5 = clock()
        pickle.loads(sent)
        t6 = clock()
        for label, seconds in (("file_sha256", t1 - t0), ("read_submission (+ sealed check)", t2 - t1 - (t1 - t0)),
                               ("file_findings (审核)", t3 - t2), ("travelling + data_sha256", t4 - t3),
                               ("pickle.dumps", t5 - t4), ("pickle.loads (in the main process)", t6 - t5)):
            add(label, seconds)
        sent_bytes += len(sent)
    _print_times(f"reading side, {len(files)} files", times, len(files))
    print(f"  {sent_bytes / len(files) / 1024:8.1f} KB pickled a file")


def split_main(files: list[Path]) -> None:
    """An intake of ``files`` with one reading process: the main process's steps and SQL, by thread CPU."""
    import time

    import district.intake as intake
    import storage.database as database
    import storage.district_store as ds
    from district.read_ahead import ReadAhead
    from district.sample_files import add_synthetic_townships
    from storage.workspace import Workspace

    times: dict[str, list[float]] = {}
    undo = [_timed(intake, name, times) for name in ("receive_file", "_judge", "_file_write")]
    undo += [_timed(ds, name, times) for name in ("replace_reports", "rewrite_report", "ensure_reports")]
    undo += [_timed(ds._RowWrites, "flush", times, "_RowWrites.flush (SQL of the values, audit, first values)")]
    undo += [_timed(Workspace, name, times) for name in ("write_intake", "_restatus", "validate_period",
                                                        "_checked_exactly")]
    undo += [_timed(ReadAhead, "take", times, "ReadAhead.take (waiting not counted)")]
    import forms.validation as validation

    undo.append(_timed(validation, "validate_bundle", times, "validate_bundle (files validated here)"))
    statements: dict[str, list[float]] = {}
    guarded = database._GuardedConnection
    for name in ("execute", "executemany"):
        original = getattr(guarded, name)

        def timed(self: Any, sql: str, parameters: Any = (), _original: Any = original, _name: str = name) -> Any:
            start = time.thread_time()
            try:
                return _original(self, sql, parameters)
            finally:
                slot = statements.setdefault(f"{_name[7:] or 'one'}: {' '.join(sql.split())[:90]}", [0.0, 0])
                slot[0] += time.thread_time() - start
                slot[1] += 1

        setattr(guarded, name, timed)
        undo.append(lambda _name=name, _original=original: setattr(guarded, _name, _original))
    work = Path(tempfile.mkdtemp(prefix="jnjp_intake_split_"))
    try:
        ws = Workspace.create_district(work / "区库.sqlite")
        try:
            add_synthetic_townships(ws.store, 1000 - 23)
            for slot in times.values():  # (the wrappers hold their slots: set to zero, not removed)
                slot[:] = [0.0, 0]
            statements.clear()
            start, thread = time.process_time(), time.thread_time()
            batch = intake.intake_files(ws, files, backup=False, workers=1)
            spent, spent_thread = time.process_time() - start, time.thread_time() - thread
        finally:
            ws.close()
    finally:
        for step in undo:
            step()
        shutil.rmtree(work, ignore_errors=True)
    count = len(files)
    print(f"main process, {count} files: {spent * 1000 / count:.2f} ms CPU a file ({spent_thread * 1000 / count:.2f} ms"
          f" in its main thread; the rest unpickles what the reading process sends); {batch.summary()}")
    _print_times("  its steps (nested: a step includes those it calls)", times, count)
    _print_times("  its SQL statements", statements, count, top=15)


def split(count: int) -> None:
    """Where each side's CPU goes (``--split``)."""
    files = township_files(1000)[:count]
    split_reading(files)
    split_main(files)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--split"]:
        split(int(argv[1]) if len(argv) > 1 else 200)
        return 0
    big = int(argv[0]) if argv else 1000
    measure_intake(23, 5)
    measure_matrix(20)
    measure_intake(big, 1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
