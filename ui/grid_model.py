"""One form table as a Qt table model (fixed grid or list table) over plain row objects.

Columns: 指标名称(甲) | 计量单位(乙) | 代码(丙) | one per ColumnSpec (1, 2, 3 …). Editing a cell
stores it at once through ``Workspace.edit`` (autosave), re-validates the report and repaints.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QUndoCommand, QUndoStack

from forms.spec import DESCRIPTIVE_LETTERS, ColumnSpec, FormSpec, RowSpec, TableSpec
from forms.validation import Finding
from forms.values import format_value, parse_input
from ui import theme
from ui.controller import ReportState
from ui.pyside_workarounds import protect_bool_singletons

if TYPE_CHECKING:
    from storage.database import CellKey, ReportData
    from storage.workspace import Workspace

__all__ = ["GridModel", "GridRow", "PasteResult", "Refusal", "CellsCommand", "CELL_ROLE", "SEVERITY_ROLE",
           "COLUMN_NUMBER_ROLE"]

protect_bool_singletons()  # the grid emits signals on every edit: see ui/pyside_workarounds.py

CELL_ROLE = Qt.ItemDataRole.UserRole + 1  # the (table, row, column) key of a data cell
SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 2  # the worst finding's severity ("" when none)
COLUMN_NUMBER_ROLE = Qt.ItemDataRole.UserRole + 3  # 甲 乙 丙 1 2 3 … (horizontal header)

_Index = QModelIndex | QPersistentModelIndex
_R = Qt.ItemDataRole
_DISPLAY, _EDIT, _ALIGN = int(_R.DisplayRole.value), int(_R.EditRole.value), int(_R.TextAlignmentRole.value)
_BACKGROUND, _FOREGROUND = int(_R.BackgroundRole.value), int(_R.ForegroundRole.value)
_FONT, _TOOLTIP = int(_R.FontRole.value), int(_R.ToolTipRole.value)
_HANDLED_ROLES = frozenset({_DISPLAY, _EDIT, _ALIGN, _BACKGROUND, _FOREGROUND, _FONT, _TOOLTIP,
                            int(CELL_ROLE), int(SEVERITY_ROLE)})
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CENTRE = Qt.AlignmentFlag.AlignCenter


@dataclass(frozen=True)
class GridRow:
    """One displayed row: a named row of a grid table, or one entry of a list table."""

    key: str
    label: str = ""
    unit: str = ""
    code: str = ""
    spec: RowSpec | None = None

    @property
    def is_total(self) -> bool:
        return self.spec is not None and self.spec.is_total


def _edit_text(value: Any) -> str:
    """The raw value as the editor shows it: full precision, no thousands separators."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


class GridModel(QAbstractTableModel):
    """Model of one table of one report. ``edited`` carries the new ``ReportState`` after each edit."""

    edited = Signal(object)
    editFailed = Signal(str)  # a database problem, worded for the user

    def __init__(self, workspace: Workspace, form: FormSpec, table: TableSpec, state: ReportState,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.form = form
        self.table = table
        self.descriptive = 3 if table.kind == "grid" else 0
        self._state = state
        self._rows = self._make_rows(state)
        self._layout()
        self._findings: dict[tuple[str, str, str], list[Finding]] = {}
        self._index_findings()
        # One undo history per opened report (the window shares it between the report's tables).
        self.undo_stack: QUndoStack = QUndoStack(self)
        # Asked (once per opened report) for the reason of an edit in a locked period; None refuses.
        self.reason_provider: Callable[[], str | None] | None = None
        self.locked_reason: str | None = None

    # -- state -------------------------------------------------------------------------------
    @property
    def report_id(self) -> int:
        return self._state.report_id

    @property
    def state(self) -> ReportState:
        return self._state

    @property
    def rows(self) -> list[GridRow]:
        return list(self._rows)

    def _make_rows(self, state: ReportState) -> list[GridRow]:
        if self.table.kind == "grid":
            return [GridRow(r.key, ("　" * r.indent) + r.label, r.unit, r.code, r) for r in self.table.rows]
        return [GridRow(k) for k in state.data.list_rows.get(self.table.key, [])]

    def _index_findings(self) -> None:
        self._findings = {}
        for f in self._state.result.findings:
            if f.table == self.table.key:
                self._findings.setdefault((f.table, f.row, f.col), []).append(f)
        order = {"错误": 0, "警告": 1, "提示": 2}
        self._worst_of = {cell: min(found, key=lambda f: (order[f.severity], f.explained))
                          for cell, found in self._findings.items()}

    def _layout(self) -> None:
        """Per cell (row, data column): its key, whether it is input, whether it is blocked.
        Painting asks these thousands of times; the form spec answers them once here."""
        table = self.table
        self._cells = [[((table.key, row.key, col.key), table.is_input(row.spec, col), table.is_blocked(row.spec, col))
                        for col in table.columns] for row in self._rows]

    def _cell(self, index: _Index) -> tuple[CellKey, bool, bool] | None:
        r, c = index.row(), index.column() - self.descriptive
        if c < 0 or not index.isValid() or r >= len(self._cells) or c >= len(self.table.columns):
            return None
        return self._cells[r][c]

    def set_state(self, state: ReportState) -> None:
        """Show a new stored/validated state of the report (after an edit, a 说明, 审核)."""
        rows = self._make_rows(state)
        if [r.key for r in rows] != [r.key for r in self._rows]:
            self.beginResetModel()
            self._state, self._rows = state, rows
            self._layout()
            self._index_findings()
            self.endResetModel()
            return
        before = self._display_keys()
        self._state = state
        self._index_findings()
        if not self._rows:
            return
        after = self._display_keys()
        changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
        if len(changed) <= 64:  # one small update per cell: Qt repaints just those rectangles
            width = len(self.table.columns)
            for i in changed:
                index = self.index(i // width, self.descriptive + i % width)
                self.dataChanged.emit(index, index, [])
        else:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, self.columnCount() - 1))

    def _display_keys(self) -> list[tuple[Any, ...]]:
        """What a data cell's painting depends on, cell by cell (row-major): to repaint only changes."""
        values, computed = self._state.data.values, self._state.result.computed.values
        notes, worst = self._state.data.notes, self._worst_of
        out = []
        for row in self._cells:
            for key, is_input, _blocked in row:
                value = values.get(key) if is_input else computed.get(key)
                w = worst.get(key)
                out.append((value, type(value), w.severity if w else None, w.explained if w else None,
                            w.message if w else None, notes.get(key)))
        return out

    def reload(self, *, store_status: bool = True) -> ReportState:
        """Re-read the report from the database, re-validate it (storing its status) and repaint."""
        if store_status:
            status, result = self.workspace.refresh_status(self.report_id)
            data = self.workspace.store.load(self.report_id)
        else:
            data = self.workspace.store.load(self.report_id)
            result, status = self.workspace.validate(data), data.report.status
        state = ReportState(data, result, status)
        self.set_state(state)
        return state

    # -- geometry ----------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self.descriptive + len(self.table.columns)

    def column_spec(self, column: int) -> ColumnSpec | None:
        """The ColumnSpec of a model column (None for the descriptive columns 甲 乙 丙)."""
        i = column - self.descriptive
        return self.table.columns[i] if 0 <= i < len(self.table.columns) else None

    def cell_key(self, index: _Index) -> tuple[str, str, str] | None:
        cell = self._cell(index)
        return cell[0] if cell else None

    def index_for_cell(self, cell: tuple[str, str, str]) -> QModelIndex:
        """The model index of a (table, row, column) key, invalid when it is not in this table."""
        table, row_key, col_key = cell
        if table != self.table.key:
            return QModelIndex()
        row = next((i for i, r in enumerate(self._rows) if r.key == row_key), None)
        col = next((i for i, c in enumerate(self.table.columns) if c.key == col_key), None)
        if row is None or col is None:
            return QModelIndex()
        return self.index(row, self.descriptive + col)

    def is_input(self, index: _Index) -> bool:
        cell = self._cell(index)
        return cell is not None and cell[1]

    def is_blocked(self, index: _Index) -> bool:
        cell = self._cell(index)
        return cell is not None and cell[2]

    def value(self, index: _Index) -> Any:
        """The cell's value: the stored input (even invalid text) or the computed value."""
        cell = self._cell(index)
        if cell is None:
            return None
        if cell[1]:
            return self._state.data.values.get(cell[0])
        return self._state.result.computed.values.get(cell[0])

    def findings(self, index: _Index) -> list[Finding]:
        cell = self.cell_key(index)
        return list(self._findings.get(cell, [])) if cell else []

    # -- Qt model API ------------------------------------------------------------------------
    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.is_input(index):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._rows):
                return str(section + 1)
            return None
        if not 0 <= section < self.columnCount():
            return None
        col = self.column_spec(section)
        if role == Qt.ItemDataRole.DisplayRole:
            if col is None:
                label = (self.table.row_label, "计量单位", "代码")[section]
                return f"{label}\n{DESCRIPTIVE_LETTERS[section]}"
            unit = f"\n({col.unit})" if col.unit else ""
            return f"{col.label}{unit}\n{col.number or section - self.descriptive + 1}"
        if role == COLUMN_NUMBER_ROLE:
            return DESCRIPTIVE_LETTERS[section] if col is None else str(col.number or section - self.descriptive + 1)
        if role == Qt.ItemDataRole.ToolTipRole and col is not None:
            parts = [col.label + (f"（{col.unit}）" if col.unit else "")]
            if col.computed:
                parts.append(f"自动计算：{col.formula}")
            if col.note:
                parts.append(col.note)
            return "\n".join(parts)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _HANDLED_ROLES or not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None  # painting asks many roles this model never sets: answer those first
        row = self._rows[index.row()]
        cell = self._cell(index)
        if cell is None:
            return self._descriptive_data(row, index.column(), role)
        col = self.table.columns[index.column() - self.descriptive]
        key, is_input, blocked = cell
        if role == _DISPLAY:
            if blocked:
                return "—"
            return format_value(self.table.cell_column(row.spec, col), self.value(index))
        if role == _EDIT:
            return _edit_text(self.value(index)) if is_input else None
        if role == _ALIGN:
            if blocked:
                return _CENTRE
            return _RIGHT if col.numeric and not isinstance(self.value(index), str) else _LEFT
        if role == _BACKGROUND:
            return self._background(index, row)
        if role == _FOREGROUND:
            if blocked:
                return theme.STATUS_COLOURS["未填"]
            worst = self._worst_of.get(key)
            return theme.SEVERITY_TEXT["错误"] if worst and worst.severity == "错误" else None
        if role == _FONT:
            return _bold() if row.is_total else None
        if role == _TOOLTIP:
            return self._tooltip(index, col)
        if role == CELL_ROLE:
            return key
        if role == SEVERITY_ROLE:
            worst = self._worst_of.get(key)
            return worst.severity if worst else ""
        return None

    def _descriptive_data(self, row: GridRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.label, row.unit, row.code)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT if column == 0 else _CENTRE
        if role == Qt.ItemDataRole.BackgroundRole:
            return theme.TOTAL_ROW if row.is_total else theme.READ_ONLY
        if role == Qt.ItemDataRole.FontRole and row.is_total:
            return _bold()
        return None

    def _worst(self, index: _Index) -> Finding | None:
        cell = self._cell(index)
        return self._worst_of.get(cell[0]) if cell else None

    def _background(self, index: _Index, row: GridRow) -> Any:
        worst = self._worst(index)
        if worst is not None:
            if worst.severity == "警告" and worst.explained:
                return theme.EXPLAINED_WARNING
            return theme.SEVERITY_COLOURS[worst.severity]
        if not self.is_input(index):
            return theme.TOTAL_ROW if row.is_total else theme.READ_ONLY
        return None

    def _tooltip(self, index: _Index, col: ColumnSpec) -> str | None:
        cell = self.cell_key(index)
        assert cell is not None
        lines = [f"【{f.severity}】{f.message}" + ("（已说明）" if f.explained else "") for f in self.findings(index)]
        if self.is_blocked(index):
            lines.append("本格不适用")
        elif not self.is_input(index):
            lines.append("自动计算，不可编辑")
        source = self._state.result.computed.sources.get(cell)
        if source:
            lines.append(f"参考来源：{source}")
        note = self._state.data.notes.get(cell)
        if note:
            lines.append(f"说明：{note}")
        return "\n".join(lines) or None

    # -- editing (autosave, one undo step per edit / paste / clear) -------------------------------
    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Store what the user typed (even invalid text, which then shows as 错误) and re-validate."""
        if role != Qt.ItemDataRole.EditRole or not self.is_input(index):
            return False
        cell = self.cell_key(index)
        assert cell is not None
        text = "" if value is None else value
        if _edit_text(self.value(index)) == str(text).strip():
            return False
        return self.apply([(cell, text)], f"修改 {self.cell_title(index)}")

    def apply(self, changes: list[tuple[CellKey, Any]], text: str, reason: str = "") -> bool:
        """Write raw values as ONE undoable step (pushed on ``undo_stack``); False when nothing was stored."""
        reason = self._reason_for_locked(reason)
        if reason is None:
            return False
        command = CellsCommand(self, [(c, self._state.data.values.get(c), raw) for c, raw in changes], text, reason)
        self.undo_stack.push(command)
        return command.stored

    def write(self, changes: list[tuple[CellKey, Any]], reason: str) -> bool:
        """Store values in one transaction (audited with ``reason``), re-validate in memory, repaint.

        The report is not re-read from SQLite: the new values are applied to the state in memory
        (what was stored is exactly what ``edit_many`` parsed), which keeps an edit well under a frame.
        """
        from storage.database import ReportData, StorageError

        try:
            parsed = self.workspace.edit_many(self.report_id, changes, reason=reason)
        except (StorageError, sqlite3.Error) as exc:
            self.editFailed.emit(f"未能保存：{exc}")
            return False
        old = self._state.data
        data = ReportData(old.report, dict(old.values), dict(old.notes), {k: list(v) for k, v in old.list_rows.items()})
        for (cell, _raw), p in zip(changes, parsed):
            if p.value is None:
                data.values.pop(cell, None)
            else:
                data.values[cell] = p.value
        self._revalidate(data)
        return True

    def _revalidate(self, data: ReportData) -> ReportState:
        from storage.workspace import status_for

        result = self.workspace.validate(data)
        status = status_for(data, result, False)
        if status != self._state.status:  # one more commit only when the status really changes
            self.workspace.store.set_status(self.report_id, status, who=self.workspace.user)
        state = ReportState(data, result, status)
        self.set_state(state)
        self.edited.emit(state)
        return state

    def _reason_for_locked(self, reason: str) -> str | None:
        """Edits in a locked (submitted) period need a reason, asked once per opened report."""
        from storage.periods_store import LOCKED_REASON_PREFIX, is_locked

        report = self._state.data.report
        if not is_locked(self.workspace.store, report.township_id, report.period):
            return reason
        if self.locked_reason is None:
            asked = self.reason_provider() if self.reason_provider else None
            if not asked or not asked.strip():
                self.editFailed.emit("该报告期已锁定（已上报）：未填写修改原因，修改未保存。")
                return None
            self.locked_reason = asked.strip()
        locked = LOCKED_REASON_PREFIX + self.locked_reason
        return f"{reason}；{locked}" if reason else locked

    def cell_title(self, index: _Index) -> str:
        """"汽油·消费量" (grid) or "第3行·单位名称" (list): how a cell is named in messages and undo."""
        col = self.column_spec(index.column())
        if col is None or not 0 <= index.row() < len(self._rows):
            return ""
        row = self._rows[index.row()]
        name = row.label.strip("　") if self.table.kind == "grid" else f"第{index.row() + 1}行"
        return f"{name}·{col.label}"

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
            for _ in range(max(0, min(missing, room))):
                self.add_row(emit=False)
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
                if text and text not in (str(self.data(index) or "").strip("　"), _edit_text(self.value(index))):
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
            self.reload(store_status=False)
        return result

    def set_note(self, index: _Index, note: str) -> bool:
        """Write the 说明 of a cell (e.g. explaining a 警告) from the grid; re-validates."""
        cell = self.cell_key(index)
        if cell is None:
            return False
        from storage.database import ReportData, StorageError

        try:
            changed = self.workspace.set_note(self.report_id, cell, note)
        except (StorageError, sqlite3.Error) as exc:
            self.editFailed.emit(f"未能保存说明：{exc}")
            return False
        old = self._state.data
        data = ReportData(old.report, dict(old.values), dict(old.notes), old.list_rows)
        if note.strip():
            data.notes[cell] = note.strip()
        else:
            data.notes.pop(cell, None)
        self._revalidate(data)
        return changed

    def find(self, text: str, after: _Index | None = None) -> QModelIndex:
        """The next cell (after ``after``, wrapping) whose row or column name contains ``text``."""
        text = text.strip()
        if not text:
            return QModelIndex()
        hits: list[QModelIndex] = []
        first_input = next((c for c in range(self.columnCount()) if self.column_spec(c) is not None), 0)
        for r, row in enumerate(self._rows):
            names = [row.label, row.code] + ([str(self.data(self.index(r, c)) or "") for c in range(
                self.columnCount()) if (spec := self.column_spec(c)) is not None and not spec.numeric]
                if self.table.kind == "list" else [])
            if any(text in n for n in names):
                hits.append(self.index(r, first_input))
        for c in range(self.columnCount()):
            spec = self.column_spec(c)
            if spec is not None and text in spec.label:
                hits.append(self.index(0, c) if self._rows else QModelIndex())
        hits = [h for h in hits if h.isValid()]
        if not hits:
            return QModelIndex()
        if after is not None and after.isValid():
            key = (after.row(), after.column())
            later = [h for h in hits if (h.row(), h.column()) > key]
            return later[0] if later else hits[0]
        return hits[0]

    # -- list tables -------------------------------------------------------------------------
    def add_row(self, *, emit: bool = True) -> str:
        """Append a row to a list table (stored at once); returns its key."""
        if self.table.kind != "list":
            raise ValueError("只有清单表可以添加行")
        key = self.workspace.store.add_list_row(self.report_id, self.table.key, self.workspace.user)
        if emit:
            self.edited.emit(self.reload(store_status=False))
        else:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
            self._rows.append(GridRow(key))
            self._layout()
            self._state.data.list_rows.setdefault(self.table.key, []).append(key)
            self.endInsertRows()
        return key

    def remove_row(self, row: int) -> None:
        """Delete one row of a list table and its values (stored at once; not undoable, so the
        undo history is cleared: its steps may refer to the row)."""
        if self.table.kind != "list" or not 0 <= row < len(self._rows):
            raise ValueError("只有清单表的行可以删除")
        self.workspace.store.remove_list_row(self.report_id, self.table.key, self._rows[row].key,
                                             self.workspace.user)
        self.undo_stack.clear()
        self.edited.emit(self.reload())

    def move_row(self, row: int, offset: int) -> int:
        """Move a list-table row up (-1) or down (+1); returns its new row number."""
        from storage.list_ops import move_list_row

        if self.table.kind != "list" or not 0 <= row < len(self._rows):
            raise ValueError("只有清单表的行可以移动")
        if move_list_row(self.workspace.store, self.report_id, self.table.key, self._rows[row].key, offset,
                         self.workspace.user):
            self.edited.emit(self.reload(store_status=False))
        return max(0, min(len(self._rows) - 1, row + offset))

    def copy_previous(self) -> int:
        """复制上期: last period's rows (names, codes) without their figures; returns how many."""
        from storage.list_ops import copy_previous_rows

        if self.table.kind != "list":
            raise ValueError("只有清单表可以复制上期")
        added = copy_previous_rows(self.workspace.store, self.report_id, self.table, self.workspace.user)
        if added:
            self.edited.emit(self.reload())
        return added


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
            self.stored = self.model.write([(c, raw) for c, _old, raw in self.changes], self.reason)
            if not self.stored:
                self.setObsolete(True)  # failed: QUndoStack drops it
                return
            values = self.model.state.data.values
            self._new = [(c, values.get(c)) for c, _old, _raw in self.changes]
            return
        self.model.write(self._new, self.model._reason_for_locked("重做") or "重做")

    def undo(self) -> None:
        self.model.write([(c, old) for c, old, _raw in self.changes], self.model._reason_for_locked("撤销") or "撤销")


_BOLD: QFont | None = None


def _bold() -> QFont:
    global _BOLD
    if _BOLD is None:
        _BOLD = QFont()
        _BOLD.setBold(True)
    return _BOLD
