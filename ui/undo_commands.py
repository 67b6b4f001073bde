"""The grid's undo step: one edit, paste or clear, undone and redone as new audited writes."""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from ui.operations import error_text

if TYPE_CHECKING:
    from storage.database import CellKey
    from ui.grid_model import GridModel

__all__ = ["CellsCommand"]


class CellsCommand(QUndoCommand):
    """One undo step: cells with their old stored value and the new raw value.

    Every direction is a new audited write: undo stores the old values with reason 撤销, redo the
    new ones with reason 重做 — the audit trail stays append-only and tells the whole story.
    """

    def __init__(self, model: GridModel, changes: list[tuple[CellKey, Any, Any]], text: str, reason: str) -> None:
        super().__init__(text)
        self.model = model
        self.changes = changes
        self.reason = reason
        self.stored = False
        self._new: list[tuple[CellKey, Any]] | None = None

    def redo(self) -> None:
        if self._new is None:  # the first time: what the user typed / pasted
            self.stored = self._write([(c, raw) for c, _old, raw in self.changes], self.reason)
            if not self.stored:
                self.setObsolete(True)  # failed: QUndoStack drops it
                return
            values = self.model.state.data.values
            self._new = [(c, values.get(c)) for c, _old, _raw in self.changes]
            return
        self._write(self._new, "重做")

    def undo(self) -> None:
        self._write([(c, old) for c, old, _raw in self.changes], "撤销")

    def _write(self, changes: list[tuple[CellKey, Any]], reason: str) -> bool:
        """An exception escaping QUndoCommand.redo/undo (called from C++ by QUndoStack.push) aborts
        the whole program: a fault in the core is shown as a message instead, nothing is stored."""
        try:
            return self.model.write(changes, reason)
        except Exception as exc:  # noqa: BLE001 - the last net under a C++ callback
            traceback.print_exc()
            self.model.editFailed.emit(error_text(exc) + "；修改未保存")
            return False
