"""One form table as a Qt table model (fixed grid or list table) over plain row objects.

Columns: 指标名称(甲) | 计量单位(乙) | 代码(丙) | one per ColumnSpec (1, 2, 3 …). This module is the
Qt model (shape, display, colours, tooltips, find); editing goes through ``ui.grid_editing``
(mixed in), which hands every write to the core and repaints from the ``Changes`` it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QUndoStack

from forms.spec import DESCRIPTIVE_LETTERS, ColumnSpec, FormSpec, RowSpec, TableSpec
from forms.validation import SEVERITY_ORDER, Finding, KeptResult
from forms.values import format_value
from storage.changes import ReportState
from ui import theme
from ui.grid_editing import GridEditing, PasteResult, Refusal, edit_text
from ui.pyside_workarounds import protect_bool_singletons, protect_none_singleton
from ui.undo_commands import CellsCommand

if TYPE_CHECKING:
    from storage.database import CellKey
    from storage.workspace import Workspace

__all__ = ["GridModel", "GridRow", "PasteResult", "Refusal", "CellsCommand", "CELL_ROLE", "SEVERITY_ROLE",
           "COLUMN_NUMBER_ROLE"]

protect_bool_singletons()  # the grid emits signals on every edit: see ui/pyside_workarounds.py
protect_none_singleton()  # and calls void methods (g7: the same bug for None)

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


PREPARE_EDITS_MS = 30  # after the first paint of a report shown from kept findings (see GridModel)


class GridModel(GridEditing, QAbstractTableModel):
    """Model of one table of one report. ``edited`` carries the core's ``Changes`` after each write."""

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
        # (a pending result, r4: the controller validates it off the window's thread)
        if isinstance(state.result, KeptResult) and not state.result.pending:  # shown from the kept findings:
            # once painted, validate so that the first edit is quick (a 0 ms timer would be a posted
            # event, run before the paint)
            QTimer.singleShot(PREPARE_EDITS_MS, self._prepare_edits)

    def _prepare_edits(self) -> None:
        """Validate the shown report in the core (its result is remembered there), so that an edit
        re-validates only what it affects instead of the whole report (the same findings either way)."""
        if isinstance(self._state.result, KeptResult):
            try:
                self.workspace.validate(self._state.data)
            except Exception:  # noqa: BLE001 - only a head start: the first edit validates in full instead
                pass

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

    def _row_keys_of(self, state: ReportState) -> list[str]:
        if self.table.kind == "grid":
            return self._row_keys
        return list(state.data.list_rows.get(self.table.key, []))

    def _index_findings(self) -> None:
        self._findings = {}
        for f in self._state.result.findings:
            if f.table == self.table.key:
                self._findings.setdefault((f.table, f.row, f.col), []).append(f)
        self._worst_of = {cell: min(found, key=lambda f: (SEVERITY_ORDER[f.severity], f.explained))
                          for cell, found in self._findings.items()}

    def _layout(self) -> None:
        """Per cell (row, data column): its key, whether it is input, whether it is blocked.
        Painting asks these thousands of times; the form spec answers them once here. A list
        table's rows are all alike: answered per column (a 5,000-row list opens at once)."""
        table = self.table
        self._row_keys = [row.key for row in self._rows]
        self._row_of = {key: i for i, key in enumerate(self._row_keys)}
        self._col_of = {col.key: j for j, col in enumerate(table.columns)}
        if table.kind == "list":
            self._per_column = [(col.key, table.is_input(None, col), table.is_blocked(None, col))
                                for col in table.columns]
            self._cells: list[list[tuple[CellKey, bool, bool]]] = []
        else:
            self._per_column = None
            self._cells = [[((table.key, row.key, col.key), table.is_input(row.spec, col),
                             table.is_blocked(row.spec, col)) for col in table.columns] for row in self._rows]

    def _cell(self, index: _Index) -> tuple[CellKey, bool, bool] | None:
        r, c = index.row(), index.column() - self.descriptive
        if c < 0 or not index.isValid() or r >= len(self._row_keys) or c >= len(self.table.columns):
            return None
        if self._per_column is not None:
            col_key, is_input, blocked = self._per_column[c]
            return (self.table.key, self._row_keys[r], col_key), is_input, blocked
        return self._cells[r][c]

    def _all_cells(self) -> list[tuple[CellKey, bool, bool]]:
        if self._per_column is None:
            return [cell for row in self._cells for cell in row]
        table_key = self.table.key
        return [((table_key, row_key, col_key), is_input, blocked) for row_key in self._row_keys
                for col_key, is_input, blocked in self._per_column]

    def set_state(self, state: ReportState) -> None:
        """Show a new stored/validated state of the report (after an edit, a 说明, 审核)."""
        if state is self._state:
            return
        if self._row_keys_of(state) != self._row_keys:
            self.beginResetModel()
            self._state, self._rows = state, self._make_rows(state)
            self._layout()
            self._index_findings()
            self.endResetModel()
            return
        changed = self._changed_since(state)
        if changed is None:
            changed = self._findings_arrived(state)
        if changed is None:  # not known from the core: compare every cell
            before = self._display_keys()
            self._state = state
            self._index_findings()
            after = self._display_keys()
            width = len(self.table.columns)
            changed = {divmod(i, width) for i, (a, b) in enumerate(zip(before, after)) if a != b}
        if not self._rows:
            return
        if len(changed) <= 64:  # one small update per cell: Qt repaints just those rectangles
            for r, c in sorted(changed):
                index = self.index(r, self.descriptive + c)
                self.dataChanged.emit(index, index, [])
        else:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, self.columnCount() - 1))

    def _findings_arrived(self, state: ReportState) -> set[tuple[int, int]] | None:
        """r4: the findings of the report shown before it was validated (a PendingResult, the same
        data and computed values): only the cells with findings now can look different; then
        ``state`` is shown. None (nothing done) for any other change."""
        if not (self._state.result.pending and state.data is self._state.data):
            return None
        old_state, old_worst = self._state, self._worst_of
        self._state = state
        self._index_findings()
        changed = set()
        for key in old_worst.keys() | self._worst_of.keys():
            r, c = self._row_of.get(key[1]), self._col_of.get(key[2])
            cell = self._cell(self.index(r, self.descriptive + c)) if r is not None and c is not None else None
            if cell is not None and (_display_key(old_state, old_worst, cell[0], cell[1])
                                     != _display_key(state, self._worst_of, cell[0], cell[1])):
                changed.add((r, c))
        return changed

    def _changed_since(self, state: ReportState) -> set[tuple[int, int]] | None:
        """(row, data column) of the cells that look different in ``state``, when the core says
        what changed since the state shown (an incremental re-validation of it): only the edited
        cells, the cells it computed again and those whose findings changed are compared; then
        ``state`` is shown. None (nothing done) when the core does not say."""
        done = getattr(state.result.index, "recomputed", None)
        if done is None or done.previous() is not self._state.result:
            return None
        table_key, width = self.table.key, len(self.table.columns)
        candidates: set[tuple[int, int]] = set()
        if table_key in done.tables:
            candidates = {(r, c) for r in range(len(self._rows)) for c in range(width)}
        for row_key in done.rows.get(table_key, ()):
            r = self._row_of.get(row_key)
            if r is not None:
                candidates.update((r, c) for c in range(width))
        old_state, old_findings, old_worst = self._state, self._findings, self._worst_of
        self._state = state
        self._index_findings()
        new_findings = self._findings
        for key in {*done.cells, *(k for k in old_findings.keys() | new_findings.keys()
                                   if old_findings.get(k) != new_findings.get(k))}:
            if key[0] == table_key and key[1] in self._row_of and key[2] in self._col_of:
                candidates.add((self._row_of[key[1]], self._col_of[key[2]]))
        if len(candidates) > 4096:  # a whole long table computed again: repaint it all
            return candidates
        changed = set()
        for r, c in candidates:
            cell = self._cell(self.index(r, self.descriptive + c))
            if cell is not None and (_display_key(old_state, old_worst, cell[0], cell[1])
                                     != _display_key(state, self._worst_of, cell[0], cell[1])):
                changed.add((r, c))
        return changed

    def _display_keys(self) -> list[tuple[Any, ...]]:
        """What a data cell's painting depends on, cell by cell (row-major): to repaint only changes."""
        state, worst = self._state, self._worst_of
        return [_display_key(state, worst, key, is_input) for key, is_input, _blocked in self._all_cells()]

    def reload(self) -> ReportState:
        """Re-read the report (as stored, validated) and repaint; nothing is written."""
        state = self.workspace.report_state(self.report_id)
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
        row, col = self._row_of.get(row_key), self._col_of.get(col_key)
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
            return edit_text(self.value(index)) if is_input else None
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

    def cell_title(self, index: _Index) -> str:
        """"汽油·消费量" (grid) or "第3行·单位名称" (list): how a cell is named in messages and undo."""
        col = self.column_spec(index.column())
        if col is None or not 0 <= index.row() < len(self._rows):
            return ""
        row = self._rows[index.row()]
        name = row.label.strip("　") if self.table.kind == "grid" else f"第{index.row() + 1}行"
        return f"{name}·{col.label}"

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

    def append_rows(self, row_keys: Sequence[str]) -> None:
        """Show more (empty, just stored) rows at the end of a list table: one insertion, one
        layout, however many rows (a paste of 500 lines adds them at once)."""
        if not row_keys:
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(row_keys) - 1)
        self._rows += [GridRow(k) for k in row_keys]
        self._layout()
        self._state.data.list_rows.setdefault(self.table.key, []).extend(row_keys)
        self.endInsertRows()


def _display_key(state: ReportState, worst_of: dict[CellKey, Finding], key: CellKey, is_input: bool) -> tuple:
    """What one data cell's painting depends on: to repaint only the cells that changed."""
    value = state.data.values.get(key) if is_input else state.result.computed.values.get(key)
    w = worst_of.get(key)
    return (value, type(value), w.severity if w else None, w.explained if w else None, w.message if w else None,
            state.data.notes.get(key), state.result.computed.sources.get(key))


_BOLD: QFont | None = None


def _bold() -> QFont:
    global _BOLD
    if _BOLD is None:
        _BOLD = QFont()
        _BOLD.setBold(True)
    return _BOLD
