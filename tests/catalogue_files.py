"""The shipped form definition files copied into a folder of a test's own (which may then alter one)."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "forms" / "definitions"


def full_catalogue_folder(folder: Path) -> Path:
    """Copy all seven form files into ``folder``."""
    for path in DEFINITIONS.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder
