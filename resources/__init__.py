"""Reference tables, the township catalogue and icons, as files the district can edit.

Only locates them: frozen builds (PyInstaller) unpack data beside the executable's bundle.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """Folder of the bundled resources, from source or from a frozen build."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return _SOURCE_DIR or _source_dir()


_SOURCE_DIR: Path | None = None


def _source_dir() -> Path:
    """This folder, resolved once (s1: resolving asks the file system about every parent folder,
    and a start looks up a dozen resources)."""
    global _SOURCE_DIR
    _SOURCE_DIR = Path(__file__).resolve().parent
    return _SOURCE_DIR


def resource_path(name: str) -> Path:
    return resources_dir() / name
