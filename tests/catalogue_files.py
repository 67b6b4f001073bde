"""Where the shipped form definition files are, for tests that load them into a folder of their own."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "forms" / "definitions"
PENDING = ROOT / "forms" / "catalogue_pending"


def full_catalogue_folder(folder: Path) -> Path:
    """Copy all seven form files (wherever they are kept now) into ``folder``."""
    for source in (DEFINITIONS, PENDING):
        for path in source.glob("*.yaml") if source.is_dir() else ():
            shutil.copy(path, folder / path.name)
    return folder
