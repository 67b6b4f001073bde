"""y7 (issue 16): a long list's later rows stay columns from the reader to the preview's comparison
(``export.submission_file.FileForm``: ``values``/``addresses``/``file_computed`` made on first use)
— and the preview is exactly the one of the general path: every row read cell by cell into the
dicts (no run kept as columns) and the file compared with the stored report as whole dicts.

Real parts: the 永节统2表 list grown in a fresh SQLite database, exported by the program, the .xlsx
read back; the database or the file then changed with extreme values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import export.import_preview as import_preview
import export.submission_file as submission_file
from bench.sizes import FORM, TABLE, open_sized
from export.file_format import CELLS_SHEET
from export.importer import preview_import
from export.submission import export_submission
from tests.test_read_submission_fast import _edited

EXTREMES = [1e308, -0.0, 12345678901234567890, "文字\x07控制", None, 5e-324, -1e308, "3"]


def _general(monkeypatch) -> None:
    """The general path: no run read as columns, no comparison by column."""
    monkeypatch.setattr(submission_file._MapReader, "read_columns", lambda self, *args: False)
    monkeypatch.setattr(import_preview, "_same_as_stored", lambda *args: None)


def _outcome(preview: Any) -> Any:
    """Everything the preview says, and the file's dicts in their order."""
    forms = [(f.form.key, f.changes, f.clears, f.add_rows, f.unchanged, f.notices, f.chosen, f.rejected,
              list(f.file.values.items()), list(f.file.addresses.items()), list(f.file.notes.items()),
              list(f.file.file_computed.items()), f.file.list_rows, f.counts()) for f in preview.forms]
    return (preview.lines(), preview.kind, preview.check, preview.warnings, preview.notices, preview.period,
            preview.township.id, forms)


def _both(ws, path: Path, monkeypatch, **options: Any) -> Any:
    new = _outcome(preview_import(ws, path, **options))
    with monkeypatch.context() as patch:
        _general(patch)
        old = _outcome(preview_import(ws, path, **options))
    assert new == old
    return new


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """(workspace, township, folder, {n: exported file}) at 1 and 1,000 list rows."""
    folder = tmp_path_factory.mktemp("by_columns")
    out = {}
    opened = []
    for n in (1, 1000):
        ws, town = open_sized(folder / f"n{n}.sqlite", n)
        path = folder / f"n{n}.xlsx"
        export_submission(ws, town.id, "2025", path)
        out[n] = path
        opened.append((ws, town))
    yield opened, folder, out
    for ws, _ in opened:
        ws.close()


def _list_report(ws, town):
    data = ws.open_report(town.id, FORM, "2025")
    return data, data.list_rows[TABLE]


@pytest.mark.parametrize("index", [0, 1])
def test_unchanged_own_file_previews_as_the_general_path(grown, monkeypatch, index) -> None:
    (ws, _town), files = grown[0][index], grown[2]
    path = files[(1, 1000)[index]]
    got = _both(ws, path, monkeypatch)
    (form,) = [f for f in got[7] if f[0] == FORM]
    assert not form[1] and not form[2] and form[4] > 0


def test_stored_extremes_against_the_file(tmp_path, monkeypatch) -> None:
    """The database changed after the export (1e308, −0.0, 20-digit integers, control characters,
    text in a number column, blanks) in later rows: every change and clear as the general path."""
    ws, town = open_sized(tmp_path / "n400.sqlite", 400)
    try:
        path = tmp_path / "n400.xlsx"
        export_submission(ws, town.id, "2025", path)
        data, rows = _list_report(ws, town)
        cells = []
        for i, row in enumerate(rows[260::7]):
            value = EXTREMES[i % len(EXTREMES)]
            cells.append(((TABLE, row, "energy_equal"), value))
            cells.append(((TABLE, row, "name"), value if isinstance(value, str) or value is None else f"名{i}"))
        ws.edit_many(data.report.id, cells, reason="测试")
        got = _both(ws, path, monkeypatch)
        (form,) = [f for f in got[7] if f[0] == FORM]
        assert form[1] and not form[7]
        _both(ws, path, monkeypatch, replace_blank=True)
    finally:
        ws.close()


def _later_records(wb) -> list:
    return [row for row in wb[CELLS_SHEET].iter_rows(min_row=2) if row[2].value == FORM and row[3].value == TABLE][300:]


def _put(wb, record, column: str, value) -> None:
    sheet = wb[record[0].value]
    sheet[record[1].value].offset(0, record[5].value.split(",").index(column)).value = value


@pytest.mark.parametrize("kind", ["blanks", "extremes", "text_in_numbers"])
def test_edited_file_previews_as_the_general_path(grown, monkeypatch, tmp_path, kind) -> None:
    """The file changed after the export (its checksum no longer matches) in later rows."""
    (ws, _town), files = grown[0][1], grown[2]

    def edit(wb) -> None:
        for i, record in enumerate(_later_records(wb)[::53]):
            if kind == "blanks":
                _put(wb, record, "energy_equal", None)
                _put(wb, record, "name", None)
            elif kind == "extremes":
                _put(wb, record, "energy_equal", [1e308, -0.0, 12345678901234567890, 5e-324][i % 4])
                _put(wb, record, "name", "名\t称\u2028" if i % 2 else "  空格 ")
            else:
                _put(wb, record, "energy_equal", "一千")
                _put(wb, record, "boiler", "3")

    path = _edited(files[1000], tmp_path / f"{kind}.xlsx", edit)
    got = _both(ws, path, monkeypatch)
    assert got[2] == "已被修改"
    _both(ws, path, monkeypatch, replace_blank=True)


def test_file_with_more_rows_than_the_database(grown, monkeypatch) -> None:
    """The 1,000-row file into the database of 1 row: rows to create, in the order of the file."""
    (ws, town), files = grown[0][0], grown[2]
    got = _both(ws, files[1000], monkeypatch, township_id=town.id, accept_other=True)
    (form,) = [f for f in got[7] if f[0] == FORM]
    assert len(form[3][TABLE]) > 900


def test_the_form_maximum_previews_as_the_general_path(tmp_path, monkeypatch) -> None:
    """5,000 rows (the form's maximum), unchanged and with the database changed in later rows."""
    ws, town = open_sized(tmp_path / "n5000.sqlite", 5000)
    try:
        path = tmp_path / "n5000.xlsx"
        export_submission(ws, town.id, "2025", path)
        got = _both(ws, path, monkeypatch)
        (form,) = [f for f in got[7] if f[0] == FORM]
        assert not form[1] and len(form[12][TABLE]) == 5000
        data, rows = _list_report(ws, town)
        ws.edit_many(data.report.id, [((TABLE, rows[-1], "energy_equal"), 1e308), ((TABLE, rows[4000], "name"), None),
                                      ((TABLE, rows[2500], "boiler"), -0.0)], reason="测试")
        got = _both(ws, path, monkeypatch)
        (form,) = [f for f in got[7] if f[0] == FORM]
        assert len(form[1]) == 2  # −0.0 against the file's 0.0: equal, as stored
    finally:
        ws.close()
