"""Form files of a test's own with a raised version (d3: form version steps): the shipped
definitions copied into a folder, then one file edited (text replacements) and loaded."""

from __future__ import annotations

from pathlib import Path

from forms.catalogue import FormCatalogue
from tests.catalogue_files import full_catalogue_folder


def edited_catalogue(folder: Path, edits: dict[str, list[tuple[str, str]]],
                     extra: dict[str, str] | None = None) -> FormCatalogue:
    """The shipped catalogue in ``folder`` with each file's (old, new) replacements applied (each
    ``old`` must occur) and ``extra`` files added; loaded and checked like the real one."""
    folder.mkdir(parents=True, exist_ok=True)
    full_catalogue_folder(folder)
    for name, pairs in edits.items():
        path = folder / name
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text, f"{name}: {old!r} not found"
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return FormCatalogue.load(folder)


def audit_rows(ws, report_id: int, who: str = "upgrade") -> list[dict]:  # noqa: ANN001
    return [a for a in ws.store.audit(report_id) if a["who"] == who]
