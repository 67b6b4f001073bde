"""What a database password would cost (issue 15): the program's own code paths on a whole-file
encrypted copy of the same database (SQLCipher 4 through ``sqlcipher3``: AES-256 pages with a
per-page HMAC-SHA512, PBKDF2-HMAC-SHA512 with 256,000 iterations on the password) against the
plain file, measured in turn in the same run:

  first open  unlock (the one key derivation) + Workspace.open + close, as at a program start
  open again  Workspace.open + close with the key already derived (a re-open, a background task)
  one edit    Workspace.edit of one cell (stored, audited, revalidated)
  validate    Workspace.validate_period, nothing validated before
  soak        1,000 edits, undos and 说明 as in tests/test_soak.py

The encrypted copy is made and opened the program's own way (``storage.cipher``: the password
unlocked once in the process, every connection keyed, sqlite3's exceptions kept).

    pip install sqlcipher3==0.6.4   # wheels for Windows (cp311 win_amd64) and Linux
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/encryption_bench.py [sizes…]

Measured here (2 shared cores, busy with other work; medians; encrypted vs plain in the same run),
sizes demo / 1,000 / 5,000 list rows. Since r1 the key is derived once per file and process
(``storage.cipher._raw_key``) and every later connection uses SQLCipher's raw-key form:
  first open  211 / 407 / 409 ms vs 2 / 4 / 4 ms: one PBKDF2 derivation (unlock), then the open
              (before r1: 1,027 / 1,158 / 1,532 ms, two or more derivations, and one more for
              every background task's own connection)
  open again  2.1 / 12 / 6.5 ms vs 1.8 / 12 / 2.0 ms (≈1.1–3×, a few ms): no KDF, the derived key
  one edit    1.6 / 8.0 / 4.0 ms vs 1.2 / 4.0 / 4.0 ms (≈1.0–2×: within the noise of one write)
  validate    1.7 / 49 / 341 ms vs 1.4 / 34 / 250 ms (≈1.2–1.4×)
  soak        5.3 / 5.6 / 4.4 s vs 3.8 / 4.9 / 4.6 s for 1,000 operations (≈1.0–1.4×)
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import paired_ms, report  # noqa: E402
from bench.sizes import open_sized  # noqa: E402

PASSWORD = "镇街数据库密码-2026"
SOAK_OPS = 1000


def encrypt_copy(plain: Path, out: Path, password: str) -> Path:
    """A copy of ``plain`` under a database password, the program's own way (``storage.cipher``)."""
    import shutil

    from storage import cipher

    shutil.copy(plain, out)
    cipher.set_password(out, password)  # also unlocks it in this process
    return out


def _soak(ws: Any, report_id: int, cells: list[tuple[str, str, str]], seed: int) -> None:
    rng = random.Random(seed)
    undo: list[tuple[tuple[str, str, str], Any]] = []
    for _ in range(SOAK_OPS):
        roll = rng.random()
        if roll < 0.8 or not undo:
            cell = rng.choice(cells)
            undo.append((cell, None))
            ws.edit(report_id, cell, round(rng.uniform(0, 50_000), 2))
        elif roll < 0.95:
            cell, previous = undo.pop()
            ws.edit(report_id, cell, previous, reason="撤销")
        else:
            ws.set_note(report_id, rng.choice(cells), rng.choice(("", "统计口径调整，已与企业核对")))


def measure(n: Any, folder: Path) -> None:
    from forms.catalogue import FormCatalogue
    from storage.workspace import Workspace
    from tests.test_soak import input_cells

    plain_ws, town = open_sized(folder / f"n{n}.sqlite", n)
    plain_ws.store.checkpoint()
    plain = Path(plain_ws.store.path)
    encrypted = encrypt_copy(plain, folder / f"n{n}-encrypted.sqlite", PASSWORD)
    assert not encrypted.read_bytes().startswith(b"SQLite format 3")
    catalogue: FormCatalogue = plain_ws.catalogue
    cipher_ws = Workspace.open(encrypted, catalogue=catalogue, demo=False)
    runs = 7

    def open_plain() -> None:
        Workspace.open(plain, catalogue=catalogue, demo=False).close()

    def open_cipher() -> None:
        Workspace.open(encrypted, catalogue=catalogue, demo=False).close()

    def first_open_cipher() -> None:  # a new process: nothing derived yet, the password typed once
        from storage import cipher

        cipher.forget(encrypted)
        cipher.unlock(encrypted, PASSWORD)
        open_cipher()

    base, ours = paired_ms(open_plain, first_open_cipher, runs)
    report("first open in a process: unlock + open (encrypted vs plain)", n, ours, base, "plain file")
    base, ours = paired_ms(open_plain, open_cipher, runs)
    report("open again, key derived (encrypted vs plain)", n, ours, base, "plain file")

    form = catalogue.get("energy_consumption")
    cells = input_cells(form.table("energy"))
    rids = [ws.open_report(town.id, "energy_consumption", "2025").report.id for ws in (plain_ws, cipher_ws)]
    counter = [0]

    def edit(ws: Any, rid: int) -> None:
        counter[0] += 1
        ws.edit(rid, cells[0], 100 + counter[0] % 7)

    base, ours = paired_ms(lambda: edit(plain_ws, rids[0]), lambda: edit(cipher_ws, rids[1]), 21)
    report("one edit (encrypted vs plain)", n, ours, base, "plain file")
    def first_validation(ws: Any) -> None:  # nothing kept (r4: kept findings read no report at all)
        from storage.validation_cache import forget_all

        forget_all(ws.store)
        Workspace(ws.store, catalogue).validate_period(town.id, "2025")

    base, ours = paired_ms(lambda: first_validation(plain_ws), lambda: first_validation(cipher_ws), runs)
    report("validate period (encrypted vs plain)", n, ours, base, "plain file")
    start = time.perf_counter()
    _soak(plain_ws, rids[0], cells, 1)
    base = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    _soak(cipher_ws, rids[1], cells, 1)
    ours = (time.perf_counter() - start) * 1000
    report(f"soak {SOAK_OPS} ops (encrypted vs plain)", n, ours, base, "plain file")
    for ws in (plain_ws, cipher_ws):
        ws.close()


def main(argv: list[str]) -> int:
    try:
        import sqlcipher3  # noqa: F401
    except ImportError:
        print("需要 sqlcipher3：pip install sqlcipher3==0.6.4", file=sys.stderr)
        return 2
    sizes: list[Any] = [int(a) if a.isdigit() else a for a in argv] or ["demo", 1000]
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            measure(n, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
