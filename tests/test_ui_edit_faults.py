"""A fault inside the core during an edit is a message, never the end of the program: the undo
step runs under QUndoStack.push (C++), where an escaping Python exception aborted the process."""

from __future__ import annotations

from PySide6.QtGui import QUndoStack

from storage.changes import ReportState
from tests.stored import stored_value
from ui.grid_model import GridModel

FORM, CELL = "energy_consumption", ("energy", "raw_coal", "consumption")


def test_a_core_fault_while_editing_is_reported_and_nothing_is_stored(qtbot, workspace, demo_township, db_path,
                                                                       monkeypatch):
    data = workspace.open_report(demo_township.id, FORM, "2025")
    form = workspace.form(FORM)
    model = GridModel(workspace, form, form.table("energy"), ReportState(data, workspace.validate(data),
                                                                          data.report.status))
    stack = QUndoStack()
    model.undo_stack = stack
    before = stored_value(db_path, data.report.id, *CELL)

    def broken(*_args, **_kwargs):
        raise OverflowError("cannot convert float infinity to integer")

    monkeypatch.setattr(workspace, "change_cells", broken)
    failures: list[str] = []
    model.editFailed.connect(failures.append)
    index = model.index_for_cell(CELL)
    model.setData(index, "12345")  # goes through QUndoStack.push → CellsCommand.redo
    assert failures and "OverflowError" in failures[0] and "修改未保存" in failures[0]
    assert stack.count() == 0  # the failed step is dropped, nothing to undo
    assert stored_value(db_path, data.report.id, *CELL) == before
