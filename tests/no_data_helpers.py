"""A township database holding one received sample file, with one form cleared (本期无数据 tests)."""

from __future__ import annotations

from pathlib import Path


def township_with_file(source: Path, db: Path, catalogue):  # noqa: ANN001, ANN201
    """(workspace, township) after importing ``source`` — a full, clean 2025 submission."""
    from export.importer import apply_import, preview_import
    from storage.workspace import Workspace

    ws = Workspace.open(db, catalogue=catalogue, demo=False, user="镇街统计员")
    preview = preview_import(ws, source)
    apply_import(ws, preview, backup=False)
    return ws, preview.township


def clear_form(ws, township_id: int, form_key: str, period: str = "2025") -> tuple[int, dict]:  # noqa: ANN001
    """Blank every stored value of the form (as a clerk deleting them); its report id and the
    values it held."""
    data = ws.find_report_data(township_id, form_key, period)
    ws.change_cells(data.report.id, [(cell, None) for cell in data.values])
    assert not ws.load(data.report.id).has_input
    return data.report.id, data.values
