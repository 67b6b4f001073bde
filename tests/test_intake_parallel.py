"""收件 with the files read ahead in other processes (``district.read_ahead``): the register, the
stored values, the statuses and the findings are exactly those of reading every file in the main
process — with a resubmitted, a tampered, a copied, a duplicate and hostile files in the batch, and
with a reading process killed in the middle of the batch; cancelling between files stops the
reading processes."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from pathlib import Path

import pytest

from district.intake import Verdict, intake_files
from district.read_ahead import PARALLEL_FROM, reading_processes
from district.review import district_findings
from storage.workspace import Workspace
from tests.district_helpers import copy_as, reexport, set_cells
from tests.hostile_files import sheet_xml, xlsx_bytes
from tests.stored import dump_cells
from tests.windows import UNDER_WINE

# Under Wine a reading process once never started reading (the first run in a freshly copied Wine
# prefix; later runs passed in 10 s): CI's fresh prefix must not hang. Real Windows is untried, so
# there the intake reads ahead only when asked (``reading_processes``).
pytestmark = pytest.mark.skipif(UNDER_WINE, reason="Wine: a spawned reading process once never started reading")

BIOGAS = ("agriculture", "items", "biogas", "value")
TOWNS = ("仙龙镇", "吉安镇", "三教镇", "双石镇", "来苏镇")


def _untimed(reasons) -> list[str]:
    """Reasons without the receiving times they quote (the two runs are seconds apart)."""
    return [re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", "<时间>", r) for r in reasons]


@pytest.fixture(scope="module")
def batch_files(tmp_path_factory, township_files, catalogue) -> list[Path]:
    """Five townships, a resubmission, a tampered file, a copied file (another township's values),
    a duplicate, an empty file and a hostile workbook — the register's every kind of line."""
    folder = tmp_path_factory.mktemp("parallel_batch")
    files = [copy_as(township_files[t], folder, f"{t}.xlsx") for t in TOWNS]
    files.append(reexport(township_files["三教镇"], folder / "三教镇_更正.xlsx", catalogue, edits={BIOGAS: 12345}))
    files.append(set_cells(township_files["双石镇"], folder / "双石镇_改过.xlsx", {BIOGAS: 99}))
    files.append(reexport(township_files["仙龙镇"], folder / "永荣镇_抄的.xlsx", catalogue, as_township="永荣镇"))
    files.append(copy_as(township_files["吉安镇"], folder, "吉安镇_又一份.xlsx"))
    (folder / "空文件.xlsx").write_bytes(b"")
    far = sheet_xml("<row r='1'><c r='A1'><v>1</v></c><c r='XFD1048576'><v>2</v></c></row>")
    (folder / "远角.xlsx").write_bytes(xlsx_bytes({"S": far}))
    return [*files, folder / "空文件.xlsx", folder / "远角.xlsx"]


def _receive(db: Path, files: list[Path], catalogue, **options):
    ws = Workspace.create_district(db, catalogue=catalogue, user="区统计局")
    try:
        batch = intake_files(ws, files, backup=False, **options)
        lines = [dataclasses.replace(line, received_at="", reasons=tuple(_untimed(line.reasons)))
                 for line in ws.intake_lines()]
        findings = district_findings(ws, "2025")
    finally:
        ws.close()
    conn = sqlite3.connect(db)
    try:
        dump_cells(conn)
        stored = {
            "values": conn.execute("SELECT r.township_id, r.form_key, v.table_key, v.row_key, v.col_key, v.value,"
                                   " v.note FROM stored_cells v JOIN reports r ON r.id = v.report_id ORDER BY 1, 2, 3,"
                                   " 4, 5").fetchall(),
            "statuses": conn.execute("SELECT township_id, form_key, period, status FROM reports ORDER BY 1, 2, 3")
            .fetchall(),
            "audit": conn.execute("SELECT who, report_id, table_key, row_key, col_key, field, old, new, reason"
                                  " FROM audit ORDER BY id").fetchall(),
        }
    finally:
        conn.close()
    results = [(r.path.name, str(r.verdict), _untimed(r.reasons), r.sha256, r.township, r.statuses, r.identical)
               for r in batch.results]
    return results, lines, findings, stored


def test_reading_ahead_in_other_processes_gives_the_same_register_and_findings(
        batch_files, catalogue, tmp_path: Path) -> None:
    serial = _receive(tmp_path / "serial.sqlite", batch_files, catalogue, workers=0)
    ahead = _receive(tmp_path / "ahead.sqlite", batch_files, catalogue, workers=2)
    verdicts = [r[1] for r in serial[0]]
    # the batch holds every kind of line, so equality below covers them all
    assert verdicts.count(Verdict.ACCEPTED) + verdicts.count(Verdict.WITH_ERRORS) + \
        verdicts.count(Verdict.UNEXPLAINED) == 7
    assert {Verdict.MODIFIED, Verdict.DUPLICATE, Verdict.REFUSED} <= set(verdicts)
    assert any(r[6] for r in serial[0]), "the copied file is flagged"
    assert serial[0] == ahead[0]
    assert serial[1] == ahead[1]
    assert serial[2] == ahead[2] and serial[2]
    assert serial[3] == ahead[3]


def test_a_reading_process_killed_mid_batch_changes_no_result(batch_files, catalogue, tmp_path: Path) -> None:
    import multiprocessing

    killed: list[int] = []

    def progress(i: int, n: int, path: Path) -> None:
        if i in (2, 6):  # a reading process dies (as a hostile file could make it) while files are read ahead
            for child in multiprocessing.active_children():
                child.kill()
                child.join()
                killed.append(child.pid)

    serial = _receive(tmp_path / "serial.sqlite", batch_files, catalogue, workers=0)
    ahead = _receive(tmp_path / "ahead.sqlite", batch_files, catalogue, workers=1, progress=progress)
    assert len(killed) >= 2
    assert serial[0] == ahead[0] and serial[1] == ahead[1] and serial[3] == ahead[3]
    assert not multiprocessing.active_children()


def test_cancel_between_files_stops_the_reading_processes(batch_files, catalogue, tmp_path: Path) -> None:
    import multiprocessing

    ws = Workspace.create_district(tmp_path / "区库.sqlite", catalogue=catalogue, user="区统计局")
    try:
        done: list[int] = []
        batch = intake_files(ws, batch_files, backup=False, workers=1,
                             progress=lambda i, n, p: done.append(i), cancelled=lambda: len(done) == 3)
        assert batch.cancelled and len(batch.results) == 3
        assert [r.path for r in batch.results] == batch_files[:3]
        assert not multiprocessing.active_children()
        assert len(ws.intake_lines()) == 3
    finally:
        ws.close()


def test_how_many_reading_processes() -> None:
    import os
    import sys

    assert reading_processes(PARALLEL_FROM - 1) == 0  # a small batch: starting a process costs more
    assert reading_processes(5, 0) == 0 and reading_processes(5, 2) == 2
    cores = os.cpu_count() or 1
    assert reading_processes(1000) == (0 if sys.platform == "win32" or cores < 2 else min(4, cores - 1))



# A module that starts reading processes without the ``if __name__ == "__main__"`` guard: each reading
# process runs it again while starting, is refused by multiprocessing, and dies before it has read its
# start-up data — the way a process killed at start (antivirus, out of memory) dies.
_NO_GUARD = """
import json, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from district.read_ahead import ReadAhead
from forms.catalogue import FormCatalogue
files = [Path(p) for p in sys.argv[1:]]
ahead = ReadAhead(files, FormCatalogue.load(), 1)
try:
    taken = [ahead.take(i) for i in range(len(files))]
finally:
    ahead.close()
print(json.dumps([pre is None for pre in taken]))
"""


def test_a_reading_process_that_dies_at_start_does_not_hang_the_batch(batch_files, tmp_path: Path) -> None:
    """The main process used to block for ever in ``submit``: ``spawn`` wrote the pickled catalogue
    (≈ 90 KB) into a pipe that no process read any more. Now the batch reads on in the main process."""
    import json
    import os
    import subprocess
    import sys

    script = tmp_path / "no_guard.py"
    script.write_text(_NO_GUARD.format(root=str(Path(__file__).resolve().parents[1])), encoding="utf-8")
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, str(script), *map(str, batch_files[:4])], capture_output=True,
                          text=True, timeout=300, env=env, cwd=tmp_path)  # the timeout only catches a hang
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [True] * 4  # each file then read in the main process
    assert "bootstrapping phase" in done.stderr  # the reading process really died at start


def test_the_catalogue_file_for_the_reading_processes_is_removed(batch_files, catalogue, tmp_path: Path,
                                                                 monkeypatch) -> None:
    import tempfile

    private = tmp_path / "temp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    ws = Workspace.create_district(tmp_path / "区库.sqlite", catalogue=catalogue, user="区统计局")
    try:
        seen: list[list[str]] = []
        batch = intake_files(ws, batch_files, backup=False, workers=1,
                             progress=lambda i, n, p: seen.append([f.name for f in private.iterdir()]))
    finally:
        ws.close()
    assert len(batch.results) == len(batch_files)
    assert any(any(n.startswith("jnjp-catalogue-") for n in names) for names in seen)  # it was there
    assert not [f.name for f in private.iterdir() if f.name.startswith("jnjp-catalogue-")]
