"""The district window's table models: the completeness matrix (colour-coded, counts per row and
column) — display only; the states come from ``district.completeness``."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from district.completeness import CellState, Completeness

__all__ = ["CompletenessModel", "STATE_COLOURS", "RECEIVED_STATES"]

Index = QModelIndex | QPersistentModelIndex

STATE_COLOURS = {
    CellState.MISSING: QColor("#eeeeee"),
    CellState.OVERDUE: QColor("#c9c9c9"),  # not received and late: grey like 未收到, darker, dark red text
    CellState.RECEIVED: QColor("#d6ecff"),
    CellState.ERRORS: QColor("#f9d0d0"),
    CellState.UNEXPLAINED: QColor("#fde3b0"),
    CellState.AUDITED: QColor("#c8e6c9"),
    CellState.RETURNED: QColor("#e1d5f0"),
    CellState.NO_DATA: QColor("#f5f5dc"),
}
STATE_TEXT = {CellState.OVERDUE: QColor("#8b0000"), CellState.ERRORS: QColor("#b71c1c"),
              CellState.UNEXPLAINED: QColor("#a35400"), CellState.AUDITED: QColor("#1b5e20")}
RECEIVED_STATES = frozenset(set(CellState) - {CellState.MISSING, CellState.OVERDUE})
_BOLD = QFont()
_BOLD.setBold(True)


class CompletenessModel(QAbstractTableModel):
    """Rows: the townships, then a 合计 row; columns: the forms, then 已收 (received / forms)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.matrix: Completeness | None = None
        self._brushes = {s: QBrush(c) for s, c in STATE_COLOURS.items()}
        self._texts = {s: QBrush(c) for s, c in STATE_TEXT.items()}

    def set_matrix(self, matrix: Completeness) -> None:
        self.beginResetModel()
        self.matrix = matrix
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if self.matrix is None or parent.isValid() else len(self.matrix.townships) + 1

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if self.matrix is None or parent.isValid() else len(self.matrix.forms) + 1

    def cell(self, row: int, column: int) -> tuple[int, str] | None:
        """(township id, form key) of a state cell; None for the count row and column."""
        m = self.matrix
        if m is None or row >= len(m.townships) or column >= len(m.forms):
            return None
        return m.townships[row].id, m.forms[column][0]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        m = self.matrix
        if m is None or not index.isValid():
            return None
        row, col = index.row(), index.column()
        n_towns, n_forms = len(m.townships), len(m.forms)
        if row < n_towns and col < n_forms:
            state = m.cells[(m.townships[row].id, m.forms[col][0])]
            if role == Qt.ItemDataRole.DisplayRole:
                return str(state)
            if role == Qt.ItemDataRole.BackgroundRole:
                return self._brushes[state]
            if role == Qt.ItemDataRole.ForegroundRole:
                return self._texts.get(state)
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{m.townships[row].name} {m.forms[col][1]}：{state}（双击查看报表和审核结果）"
        elif role == Qt.ItemDataRole.DisplayRole:
            if row < n_towns:  # the 已收 column
                counts = m.row_counts(m.townships[row].id)
                return f"{sum(counts[s] for s in RECEIVED_STATES)}/{n_forms}"
            if col < n_forms:  # the 合计 row
                counts = m.column_counts(m.forms[col][0])
                return f"{sum(counts[s] for s in RECEIVED_STATES)}/{n_towns}"
            totals = m.totals()
            return f"{sum(totals[s] for s in RECEIVED_STATES)}/{n_towns * n_forms}"
        elif role == Qt.ItemDataRole.FontRole:
            return _BOLD
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        m = self.matrix
        if m is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return m.forms[section][1] if section < len(m.forms) else "已收"
        return m.townships[section].name if section < len(m.townships) else "合计"
