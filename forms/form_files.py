"""Where the bundled form definitions are, and the error a broken one raises.

Apart from ``forms.loader`` (which re-exports both) so that a start with the checked catalogue kept
(``forms.catalogue_cache``) imports neither the loader nor the formula parser it needs.
"""

from __future__ import annotations

import os
from pathlib import Path

from user_error import UserError

__all__ = ["FormDefinitionError", "definitions_dir", "forms_dir", "yaml_files"]


def definitions_dir() -> Path:
    """The bundled form definition folder."""
    import sys

    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "forms" / "definitions"
    return forms_dir() / "definitions"


_FORMS_DIR: list[Path] = []


def forms_dir() -> Path:
    """This package's folder, resolved once (s1: resolving asks the file system about every parent
    folder; a start asked it several times)."""
    if not _FORMS_DIR:
        _FORMS_DIR.append(Path(__file__).resolve().parent)
    return _FORMS_DIR[0]


def yaml_files(folder: Path) -> list[Path]:
    """``sorted(folder.glob("*.yaml"))`` without compiling a glob pattern (s1: a few hundred
    microseconds of every start): every entry whose name ends in .yaml (any case on Windows, as
    pathlib matches there), hidden ones too; none for a folder that is not there or not readable."""
    if not folder.is_dir():
        return []
    try:
        names = os.listdir(folder)
    except PermissionError:
        return []
    if os.name == "nt":
        return sorted(folder / n for n in names if n.lower().endswith(".yaml"))
    return sorted(folder / n for n in names if n.endswith(".yaml"))


class FormDefinitionError(UserError, ValueError):
    """A broken form definition: file, key path and reason."""

    def __init__(self, file: str, key: str, message: str) -> None:
        self.file, self.key, self.message = file, key, message
        where = f"键 {key}：" if key else ""
        super().__init__(f"表式定义文件 {file}：{where}{message}")
