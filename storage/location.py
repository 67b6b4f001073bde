"""Where the database lives: beside the program (portable USB use) when that folder is
writable, otherwise in the user's data directory. ``--db PATH`` overrides both."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

__all__ = ["program_dir", "default_data_dir", "default_db_path", "DB_FILENAME"]

APP_NAME = "YongchuanJNJP"
DB_FILENAME = "jnjp.sqlite"


def program_dir() -> Path:
    """The folder holding the executable (frozen) or main.py (from source)."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent.parent


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
        return True
    except OSError:
        return False


def default_data_dir(base: Path | None = None) -> Path:
    portable = (base or program_dir()) / "data"
    if _writable(portable):
        return portable
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_db_path(base: Path | None = None) -> Path:
    env = os.environ.get("JNJP_DB")
    if env:
        return Path(env)
    return default_data_dir(base) / DB_FILENAME
