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
    return Path(__file__).resolve().parent


def resource_path(name: str) -> Path:
    return resources_dir() / name
