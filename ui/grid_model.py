"""One form table as a Qt table model (fixed grid or list table) over plain row objects.

Columns: 指标名称(甲) | 计量单位(乙) | 代码(丙) | one per ColumnSpec (1, 2, 3 …). Editing a cell
stores it at once through ``Workspace.edit`` (autosave), re-validates the report and repaints.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont

from forms.spec import DESCRIPTIVE_LETTERS, ColumnSpec, FormSpec, RowSpec, TableSpec
from forms.validation import Finding
from forms.values import format_value
from ui import theme
from ui.controller import ReportState

if TYPE_CHECKING:
    from storage.workspace import Workspace

__all__ = ["GridModel", "GridRow", "CELL_ROLE", "SEVERITY_ROLE", "COLUMN_NUMBER_ROLE"]

CELL_ROLE = Qt.ItemDataRole.UserRole + 1  # the (table, row, column) key of a data cell
SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 2  # the worst finding's severity ("" when none)
COLUMN_NUMBER_ROLE = Qt.ItemDataRole.UserRole + 3  # 甲 乙 丙 1 2 3 … (horizontal header)

_Index = QModelIndex | QPersistentModelIndex
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
        self._findings: dict[tuple[str, str, str], list[Finding]] = {}
        self._index_findings()

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

    def set_state(self, state: ReportState) -> None:
        """Show a new stored/validated state of the report (after an edit, a 说明, 审核)."""
        rows = self._make_rows(state)
        if [r.key for r in rows] != [r.key for r in self._rows]:
            self.beginResetModel()
            self._state, self._rows = state, rows
            self._index_findings()
            self.endResetModel()
            return
        self._state = state
        self._index_findings()
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, self.columnCount() - 1))

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
        col = self.column_spec(index.column())
        if not index.isValid() or col is None or not 0 <= index.row() < len(self._rows):
            return None
        return (self.table.key, self._rows[index.row()].key, col.key)

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
        col = self.column_spec(index.column())
        if col is None or not index.isValid():
            return False
        return self.table.is_input(self._rows[index.row()].spec, col)

    def is_blocked(self, index: _Index) -> bool:
        col = self.column_spec(index.column())
        return col is not None and index.isValid() and self.table.is_blocked(self._rows[index.row()].spec, col)

    def value(self, index: _Index) -> Any:
        """The cell's value: the stored input (even invalid text) or the computed value."""
        cell = self.cell_key(index)
        if cell is None:
            return None
        if self.is_input(index):
            return self._state.data.values.get(cell)
        return self._state.result.computed.values.get(cell)

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
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        col = self.column_spec(index.column())
        if col is None:
            return self._descriptive_data(row, index.column(), role)
        if role == Qt.ItemDataRole.DisplayRole:
            if self.is_blocked(index):
                return "—"
            return format_value(col, self.value(index))
        if role == Qt.ItemDataRole.EditRole:
            return _edit_text(self.value(index)) if self.is_input(index) else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self.is_blocked(index):
                return _CENTRE
            value = self.value(index)
            return _RIGHT if col.numeric and not isinstance(value, str) else _LEFT
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(index, row)
        if role == Qt.ItemDataRole.ForegroundRole:
            if self.is_blocked(index):
                return theme.STATUS_COLOURS["未填"]
            worst = self._worst(index)
            return theme.SEVERITY_TEXT["错误"] if worst and worst.severity == "错误" else None
        if role == Qt.ItemDataRole.FontRole and row.is_total:
            return _bold()
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(index, col)
        if role == CELL_ROLE:
            return self.cell_key(index)
        if role == SEVERITY_ROLE:
            worst = self._worst(index)
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
        found = self.findings(index)
        if not found:
            return None
        order = {"错误": 0, "警告": 1, "提示": 2}
        return min(found, key=lambda f: (order[f.severity], f.explained))

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

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Store what the user typed (even invalid text, which then shows as 错误) and re-validate."""
        if role != Qt.ItemDataRole.EditRole or not self.is_input(index):
            return False
        cell = self.cell_key(index)
        assert cell is not None
        text = "" if value is None else value
        if _edit_text(self.value(index)) == str(text).strip():
            return False
        from storage.database import StorageError

        try:
            self.workspace.edit(self.report_id, cell, text)
        except (StorageError, sqlite3.Error) as exc:
            self.editFailed.emit(f"未能保存：{exc}")
            return False
        self.edited.emit(self.reload())
        return True

    def paste(self, top_left: _Index, block: list[list[str]]) -> int:
        """Store a block of cells (e.g. copied from Excel) starting at ``top_left`` in one transaction.

        Read-only cells under the block are skipped; returns how many input cells were written.
        """
        if not top_left.isValid():
            return 0
        changes = []
        for dr, line in enumerate(block):
            for dc, text in enumerate(line):
                index = self.index(top_left.row() + dr, top_left.column() + dc)
                if index.isValid() and self.is_input(index):
                    changes.append((self.cell_key(index), text))
        if not changes:
            return 0
        from storage.database import StorageError

        try:
            self.workspace.edit_many(self.report_id, changes, reason="粘贴")
        except (StorageError, sqlite3.Error) as exc:
            self.editFailed.emit(f"未能保存粘贴的数据：{exc}")
            return 0
        self.edited.emit(self.reload())
        return len(changes)

    # -- list tables -------------------------------------------------------------------------
    def add_row(self) -> str:
        """Append a row to a list table (stored at once); returns its key."""
        if self.table.kind != "list":
            raise ValueError("只有清单表可以添加行")
        key = self.workspace.store.add_list_row(self.report_id, self.table.key, self.workspace.user)
        self.edited.emit(self.reload())
        return key

    def remove_row(self, row: int) -> None:
        """Delete one row of a list table and its values (stored at once)."""
        if self.table.kind != "list" or not 0 <= row < len(self._rows):
            raise ValueError("只有清单表的行可以删除")
        self.workspace.store.remove_list_row(self.report_id, self.table.key, self._rows[row].key,
                                             self.workspace.user)
        self.edited.emit(self.reload())


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font
