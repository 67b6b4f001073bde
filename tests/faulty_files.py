"""Crafted storage faults for the tests (generated here, never stored as binary blobs).

Each function turns a real database file of this program (closed) into one fault, in place.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.backup import make_backup


def _companions(db: Path) -> list[Path]:
    return [db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal")]


def damage_pages(db: Path) -> None:
    """Overwrite every third page after the first (the header and schema stay readable)."""
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        for offset in range(4096, size, 4096 * 3):
            fh.seek(offset)
            fh.write(b"\xde\xad\xbe\xef" * 256)


def empty_beside_backups(db: Path) -> None:
    """A good backup exists, then the file becomes 0 bytes (a USB drive pulled mid-write)."""
    make_backup(db, "导入前")
    for path in _companions(db):
        path.unlink(missing_ok=True)
    db.write_bytes(b"")


def another_programs_file(db: Path) -> None:
    """A SQLite file of another program under our file name."""
    for path in [db, *_companions(db)]:
        path.unlink(missing_ok=True)
    conn = sqlite3.connect(str(db))
    try:
        conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
        conn.execute("INSERT INTO contacts VALUES ('张三', '13800000000')")
        conn.execute("PRAGMA user_version = 3")
        conn.commit()
    finally:
        conn.close()


def newer_version(db: Path, version: int = 99) -> None:
    """Our database as a newer program version would leave it (``user_version`` 99)."""
    conn = sqlite3.connect(str(db))
    try:
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def missing(db: Path) -> None:
    for path in [db, *_companions(db)]:
        path.unlink(missing_ok=True)
