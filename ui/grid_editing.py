"""Editing one grid through the core: edits, pastes, 说明 and list rows go to ``Workspace`` (which
stores, audits, re-validates and re-derives statuses) and the model shows the ``Changes`` it returns.

No rule lives here: whether a period is locked, what a status becomes and how list rows are
written are the core's decisions. What stays is the window's part: asking the user for the
reason of an edit in a locked period, turning a block of pasted text into cells, one undo step
per edit (``ui.undo_commands``), and telling the window what happened (``edited`` / ``editFailed``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from forms.values import parse_input
from ui.undo_commands import CellsCommand
from user_error import UserError

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from forms.spec import TableSpec
    from storage.changes import Changes, ReportState
    from storage.database import CellKey
    from storage.workspace import Workspace

__all__ = ["GridEditing", "PasteResult", "Refusal", "edit_text"]

_Index = QModelIndex | QPersistentModelIndex


def edit_text(value: Any) -> str:
    """The raw value as the editor shows it: full precision, no thousands separators."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


@dataclass(frozen=True)
class Refusal:
    """One pasted cell that was not stored, and why (Chinese)."""

    where: str
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}：“{self.text}” — {self.reason}"


@dataclass
class PasteResult:
    written: int = 0
    refused: list[Refusal] = field(default_factory=list)
    unchanged: int = 0  # cells that already held the pasted value


class GridEditing:
    """The editing half of ``ui.grid_model.GridModel`` (mixed into it): every write goes through
    ``Workspace`` and the model repaints from the ``Changes`` it returns."""

    # Provided by GridModel.
    workspace: Workspace
    table: TableSpec
    undo_stack: QUndoStack
    reason_provider: Callable[[], str | None] | None
    locked_reason: str | None
    edited: Any
    editFailed: Any
    _rows: list[Any]
    report_id: int
    state: ReportState

    # -- cells (autosave, one undo step per edit / paste / clear) -------------------------------
    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Store what the user typed (even invalid text, which then shows as 错误) and re-validate."""
        if role != Qt.ItemDataRole.EditRole or not self.is_input(index):
            return False
        cell = self.cell_key(index)
        assert cell is not None
        text = "" if value is None else value
        if edit_text(self.value(index)) == str(text).strip():
            return False
        return self.apply([(cell, text)], f"修改 {self.cell_title(index)}")

    def apply(self, changes: list[tuple[CellKey, Any]], text: str, reason: str = "") -> bool:
        """Write raw values as ONE undoable step (pushed on ``undo_stack``); False when nothing was stored."""
        if not self._ask_locked_reason():
            return False
        command = CellsCommand(self, [(c, self.state.data.values.get(c), raw) for c, raw in changes], text, reason)
        self.undo_stack.push(command)
        return command.stored

    def write(self, changes: list[tuple[CellKey, Any]], reason: str) -> bool:
        """Store values in one transaction (audited with ``reason``) through the core, repaint.

        The core applies the new values to the state this model holds instead of re-reading the
        report, which keeps an edit well under a frame."""
        return self._changes(lambda: self.workspace.change_cells(
            self.report_id, changes, reason, locked_reason=self.locked_reason, base=self.state.data)) is not None

    def set_note(self, index: _Index, note: str) -> bool:
        """Write the 说明 of a cell (e.g. explaining a 警告) from the grid; re-validates."""
        cell = self.cell_key(index)
        if cell is None or not self._ask_locked_reason():
            return False
        changes = self._changes(lambda: self.workspace.set_note(
            self.report_id, cell, note, enforce_lock=True, locked_reason=self.locked_reason, base=self.state.data))
        return bool(changes)

    def _ask_locked_reason(self) -> bool:
        """Edits in a locked (submitted) period need a reason, asked once per opened report."""
        if self.locked_reason is not None or not self.workspace.needs_reason(self.report_id):
            return True
        asked = self.reason_provider() if self.reason_provider else None
        if not asked or not asked.strip():
            self.editFailed.emit("该报告期已锁定（已上报）：未填写修改原因，修改未保存。")
            return False
        self.locked_reason = asked.strip()
        return True

    def _changes(self, write: Callable[[], Changes]) -> Changes | None:
        """Run one core write; show its result, or say why it failed (nothing was stored then)."""
        try:
            changes = write()
        except UserError as exc:
            self.editFailed.emit(str(exc))
            return None
        self.show_changes(changes)
        return changes

    def show_changes(self, changes: Changes) -> None:
        """Repaint from what the core says changed, and tell the window (forms list, findings)."""
        if changes.state is not None:
            self.set_state(changes.state)
        self.edited.emit(changes)

    def clear(self, indexes: list[QModelIndex]) -> int:
        """Delete: blank the input cells among ``indexes`` as one undo step; returns how many changed."""
        changes = [(self.cell_key(i), "") for i in indexes if self.is_input(i) and self.value(i) is not None]
        if not changes:
            return 0
        return len(changes) if self.apply(changes, f"清除 {len(changes)} 个单元格") else 0

    def paste(self, top_left: _Index, block: list[list[str]]) -> PasteResult:
        """Store a block (e.g. copied from Excel) from ``top_left`` as one step; refuse what cannot go in.

        List tables grow to take the block's rows. See ``paste_cells`` for what is refused.
        """
        if not top_left.isValid() or not block:
            return PasteResult()
        if self.table.kind == "list":
            missing = top_left.row() + len(block) - self.rowCount()
            room = self.table.max_rows - self.rowCount()
            if min(missing, room) > 0:  # make room first (stored at once); the paste then repaints
                self.append_rows(self.workspace.add_list_row(self.report_id, self.table.key, min(missing, room)).row_keys)
        return self.paste_cells([(top_left.row() + dr, top_left.column() + dc, text)
                                 for dr, line in enumerate(block) for dc, text in enumerate(line)])

    def paste_cells(self, targets: list[tuple[int, int, str]]) -> PasteResult:
        """Store text into (row, column) cells as one undo step. Refused (and listed): cells outside
        the table, computed / not-applicable cells (unless the text is blank or what they show), and
        values not valid for their column. Blank text clears a cell, as in Excel."""
        result = PasteResult()
        changes: list[tuple[CellKey, Any]] = []
        for r, c, raw in targets:
            text = raw.strip()
            if not (0 <= r < self.rowCount() and 0 <= c < self.columnCount()):
                if text:
                    result.refused.append(Refusal(f"第{r + 1}行第{c + 1}列", text, "超出表格范围"))
                continue
            index = self.index(r, c)
            col = self.column_spec(c)
            if col is None or not self.is_input(index):
                if text and text not in (str(self.data(index) or "").strip("　"), edit_text(self.value(index))):
                    why = ("指标名称、计量单位、代码不可修改" if col is None else
                           "本格不适用" if self.is_blocked(index) else "自动计算，不可填写")
                    result.refused.append(Refusal(self.cell_title(index) or f"第{r + 1}行第{c + 1}列", text, why))
                continue
            parsed = parse_input(col, text)
            if parsed.error:
                result.refused.append(Refusal(self.cell_title(index), text, parsed.error))
                continue
            current = self.value(index)
            if parsed.value == current and type(parsed.value) is type(current):
                result.unchanged += 1  # already so: no write, no undo step
                continue
            changes.append((self.cell_key(index), text))
        if changes and self.apply(changes, f"粘贴 {len(changes)} 个单元格", reason="粘贴"):
            result.written = len(changes)
        elif self.table.kind == "list":
            self.set_state(self.workspace.report_state(self.report_id))
        return result

    # -- list tables -------------------------------------------------------------------------
    def add_row(self) -> str:
        """Append a row to a list table (stored at once); returns its key."""
        if self.table.kind != "list":
            raise ValueError("只有清单表可以添加行")
        changes = self.workspace.add_list_row(self.report_id, self.table.key)
        assert changes.row_key is not None
        self.show_changes(changes)
        return changes.row_key

    def remove_row(self, row: int) -> None:
        """Delete one row of a list table and its values (stored at once; not undoable, so the
        undo history is cleared: its steps may refer to the row)."""
        if self.table.kind != "list" or not 0 <= row < len(self._rows):
            raise ValueError("只有清单表的行可以删除")
        changes = self.workspace.remove_list_row(self.report_id, self.table.key, self._rows[row].key)
        self.undo_stack.clear()
        self.show_changes(changes)

    def move_row(self, row: int, offset: int) -> int:
        """Move a list-table row up (-1) or down (+1); returns its new row number."""
        if self.table.kind != "list" or not 0 <= row < len(self._rows):
            raise ValueError("只有清单表的行可以移动")
        changes = self.workspace.move_list_row(self.report_id, self.table.key, self._rows[row].key, offset)
        if changes:
            self.show_changes(changes)
        return max(0, min(len(self._rows) - 1, row + offset))

    def copy_previous(self) -> int:
        """复制上期: last period's rows (names, codes) without their figures; returns how many."""
        if self.table.kind != "list":
            raise ValueError("只有清单表可以复制上期")
        changes = self.workspace.copy_previous_rows(self.report_id, self.table.key)
        if changes:
            self.show_changes(changes)
        return changes.count
