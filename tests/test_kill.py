"""Durability: every edit reported committed survives a SIGKILL of the program (0 lost).

A real subprocess (tests/edit_driver.py) edits through ``Workspace.edit`` and prints
``committed N`` after each returns; it is killed at random moments, many times, on the same
database file. After each kill the file must pass ``PRAGMA integrity_check`` and hold every
reported edit (its audit row, and a cell value at least as new).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.stored import dump_cells

DRIVER = Path(__file__).with_name("edit_driver.py")
ROUNDS = 30
TIME_BUDGET_S = 60

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX only")


def _run_round(db: Path, start: int, rng: random.Random) -> list[tuple[int, str]]:
    proc = subprocess.Popen([sys.executable, str(DRIVER), str(db), str(start)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)
    lines: list[str] = []
    ready = threading.Event()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.strip())
            ready.set()

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    if not ready.wait(30):
        proc.kill()
        pytest.fail(f"driver did not start: {proc.stderr.read() if proc.stderr else ''}")
    time.sleep(rng.uniform(0.0, 0.15))  # kill at a random moment of the edit stream
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    thread.join(10)
    assert proc.returncode == -signal.SIGKILL
    committed = []
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[0] == "committed":
            committed.append((int(parts[1]), parts[2]))
    return committed


def _check(db: Path, committed: list[tuple[int, str]]) -> None:
    conn = sqlite3.connect(str(db))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        audited = {r[0] for r in conn.execute("SELECT new FROM audit WHERE who = 'kill-test' AND field = 'value'")}
        lost = [n for n, _row in committed if n not in audited]
        assert lost == [], f"edits reported committed but missing after SIGKILL: {lost[:10]}"
        last: dict[str, int] = {}
        for n, row in committed:
            last[row] = n
        dump_cells(conn)
        for row, n in last.items():
            (value,) = conn.execute("SELECT value FROM stored_cells WHERE table_key = 'energy' AND row_key = ?"
                                    " AND col_key = 'consumption' AND report_id = (SELECT id FROM reports"
                                    " WHERE period = '2025' AND form_key = 'energy_consumption'"
                                    " AND township_id = (SELECT id FROM townships WHERE is_demo = 1))",
                                    (row,)).fetchone()
            assert value >= n, f"{row}: stored {value}, but edit {n} was reported committed"
    finally:
        conn.close()


def test_no_reported_edit_is_lost_on_sigkill(tmp_path):
    db = tmp_path / "kill.sqlite"
    rng = random.Random(20250630)
    start, total, rounds = 1_000, 0, 0
    deadline = time.monotonic() + TIME_BUDGET_S
    while rounds < ROUNDS and time.monotonic() < deadline:
        committed = _run_round(db, start, rng)
        _check(db, committed)
        total += len(committed)
        rounds += 1
        start += 100_000  # never reuse a number: an unreported last edit may have committed
    assert rounds >= 10, f"only {rounds} rounds ran within {TIME_BUDGET_S} s"
    assert total > rounds, "the driver should commit edits before most kills"
    print(f"{rounds} kills, {total} reported edits, 0 lost")


def test_a_backup_killed_mid_copy_leaves_a_recognisable_file_that_the_next_start_removes(workspace, db_path):
    """kill -9 while ``make_backup`` copies: the half-written copy carries the temporary name
    (``.….jnjp-tmp``), is never listed as a backup, and the next start (the window's, or a command
    that writes) removes it."""
    from storage.backup import clean_backup_leftovers, list_backups
    from storage.tempnames import TEMP_SUFFIX

    workspace.store.set_setting("kill-test-padding", "节" * 4_000_000)  # ~12 MB: the copy takes a while
    workspace.close()
    folder = db_path.parent / "backups"
    code = ("import sys; from pathlib import Path; from storage.backup import make_backup\n"
            "while True: make_backup(Path(sys.argv[1]), '测试')")
    leftovers: list[Path] = []
    for _attempt in range(5):  # the kill may land between two copies: then simply try again
        proc = subprocess.Popen([sys.executable, "-c", code, str(db_path)], cwd=DRIVER.parent.parent)
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and proc.poll() is None and not (
                    folder.is_dir() and any(folder.glob(f"*{TEMP_SUFFIX}"))):
                time.sleep(0.001)  # poll interval, not a guessed wait
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(10)
        leftovers = list(folder.glob(f"*{TEMP_SUFFIX}"))
        if leftovers:
            break
    assert leftovers, "the copy was never killed in progress"
    assert all(p.name.startswith(f".{db_path.stem}_") for p in leftovers)
    assert all(b.path.suffix == ".sqlite" for b in list_backups(db_path))
    assert sorted(clean_backup_leftovers(db_path)) == sorted(leftovers)
    assert not list(folder.glob(f"*{TEMP_SUFFIX}"))
