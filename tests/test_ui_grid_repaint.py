"""After an edit the grid repaints the cells that look different — and, at 5,000 rows, only those:
the core says what it re-validated, so the model does not compare every cell twice."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from storage.changes import ReportState
from ui.grid_model import GridModel

FORM, TABLE = "key_energy_units", "units"
ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole,
         Qt.ItemDataRole.ToolTipRole)


@pytest.fixture
def model(qapp, workspace, demo_township):
    for _ in range(3):  # a few more rows, so a repaint of everything would show
        workspace.add_list_row(workspace.open_report(demo_township.id, FORM, "2025").report.id, TABLE)
    data = workspace.open_report(demo_township.id, FORM, "2025")
    form = workspace.form(FORM)
    return GridModel(workspace, form, form.table(TABLE), ReportState(data, workspace.validate(data), "未填"))


def _looks(model: GridModel) -> dict[tuple[int, int], tuple]:
    return {(r, c): tuple(str(model.data(model.index(r, c), role)) for role in ROLES)
            for r in range(model.rowCount()) for c in range(model.columnCount())}


def _repainted(model: GridModel, edit) -> tuple[set[tuple[int, int]], dict, dict]:
    emitted: set[tuple[int, int]] = set()

    def note(top_left, bottom_right, _roles=()):
        emitted.update((r, c) for r in range(top_left.row(), bottom_right.row() + 1)
                       for c in range(top_left.column(), bottom_right.column() + 1))

    before = _looks(model)
    model.dataChanged.connect(note)
    try:
        edit()
    finally:
        model.dataChanged.disconnect(note)
    return emitted, before, _looks(model)


@pytest.mark.parametrize("col, typed", [("energy_equal", "20000"), ("uscc", None), ("name", "新名称有限公司"),
                                        ("value_added", "abc"), ("efficiency", "不适用")])
def test_every_cell_that_looks_different_is_repainted_and_few_others(model, col, typed):
    first, second = model.rows[0].key, model.rows[1].key
    target = model.index_for_cell((TABLE, second, col))
    if typed is None:  # the first row's 信用代码 again: a duplicate, found on the second row
        typed = model.state.data.values[(TABLE, first, "uscc")]

    emitted, before, after = _repainted(model, lambda: model.setData(target, typed))
    assert model.state.result.index.recomputed is not None  # re-validated incrementally
    differ = {cell for cell in before if before[cell] != after[cell]}
    assert differ and differ <= emitted
    assert all(r == target.row() for r, _c in emitted)  # nothing beyond the edited row


def test_a_note_repaints_its_cell(model):
    target = model.index_for_cell((TABLE, model.rows[0].key, "name"))
    emitted, before, after = _repainted(model, lambda: model.set_note(target, "企业更正后的报表已复核"))
    differ = {cell for cell in before if before[cell] != after[cell]}
    assert differ == emitted == {(target.row(), target.column())}


def test_showing_the_same_state_again_repaints_nothing(model):
    emitted, before, after = _repainted(model, lambda: model.set_state(model.state))
    assert emitted == set() and before == after
