"""One recognisable name for every half-written file, and the clean-up of those left by a kill.

Backups, restores and exports are written to a temporary name and renamed when complete. A
program killed meanwhile (power cut, USB drive pulled, task manager) leaves the temporary file:
a full-size copy of the database for a backup. Every such name ends in ``TEMP_SUFFIX`` and
starts with a dot, so it is never mistaken for a real file and the next start (backups) or the
next export into the same folder removes it.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

__all__ = ["TEMP_SUFFIX", "temp_name", "clean_leftovers"]

TEMP_SUFFIX = ".jnjp-tmp"
# Names written by earlier versions: backups/…sqlite.part, jnjp.sqlite.restore, exports' .name.hex.tmp
_LEGACY = re.compile(r"^(.+\.sqlite\.part|.+\.sqlite\.restore|\..+\.[0-9a-f]{8}\.tmp)$")


def temp_name(final: Path) -> Path:
    """``.<final name>.<random>.jnjp-tmp`` in the final file's folder (same filesystem: atomic rename)."""
    final = Path(final)
    return final.with_name(f".{final.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def clean_leftovers(folder: Path, *, older_than: float = 0.0, only_for: str | None = None) -> list[Path]:
    """Remove the temporary files a killed backup/restore/export left in ``folder``; returns them.

    ``older_than`` (seconds) spares files that another running copy may still be writing;
    ``only_for`` limits the clean-up to the temporary files of that final name.
    """
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    limit = time.time() - older_than
    for path in entries:
        name = path.name
        ours = name.startswith(".") and name.endswith(TEMP_SUFFIX) or bool(_LEGACY.match(name))
        if not ours or (only_for is not None and not name.lstrip(".").startswith(only_for + ".")):
            continue
        try:
            if path.is_file() and path.stat().st_mtime <= limit:
                path.unlink()
                removed.append(path)
        except OSError:
            pass  # e.g. still open on Windows: removed next time
    return removed
