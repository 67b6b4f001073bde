"""Where the bundled form definitions are, and the error a broken one raises.

Apart from ``forms.loader`` (which re-exports both) so that a start with the checked catalogue kept
(``forms.catalogue_cache``) imports neither the loader nor the formula parser it needs.
"""

from __future__ import annotations

from pathlib import Path

from user_error import UserError

__all__ = ["FormDefinitionError", "definitions_dir"]


def definitions_dir() -> Path:
    """The bundled form definition folder."""
    import sys

    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "forms" / "definitions"
    return Path(__file__).resolve().parent / "definitions"


class FormDefinitionError(UserError, ValueError):
    """A broken form definition: file, key path and reason."""

    def __init__(self, file: str, key: str, message: str) -> None:
        self.file, self.key, self.message = file, key, message
        where = f"键 {key}：" if key else ""
        super().__init__(f"表式定义文件 {file}：{where}{message}")
