"""审核 results under the grid: one row per finding, and a 说明 editor for the selected 警告.

Selecting a finding asks the window to jump to its cell (``cellRequested``); saving a 说明 is
forwarded (``noteSaveRequested``) to the controller, which stores it and re-validates.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QItemSelection, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from forms.validation import Finding, note_is_acceptable
from ui import theme
from ui.controller import ReportState, summary_text

__all__ = ["FindingsModel", "FindingsPanel", "note_state"]

_Index = QModelIndex | QPersistentModelIndex
HEADERS = ("级别", "位置 / 内容", "说明状态")


def note_state(finding: Finding, note: str) -> str:
    """What the 说明 column says for one finding."""
    if finding.severity == "错误":
        return "须修改数据"
    if finding.severity == "提示":
        return "已说明" if note else "—"
    if finding.explained:
        return "已说明"
    return "说明不充分" if note.strip() else "需填写说明"


class FindingsModel(QAbstractTableModel):
    """The findings of one report (already sorted by severity by the validator)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._findings: list[Finding] = []
        self._notes: dict[tuple[str, str, str], str] = {}

    def set_state(self, state: ReportState | None) -> None:
        self.beginResetModel()
        self._findings = list(state.result.findings) if state else []
        self._notes = dict(state.data.notes) if state else {}
        self.endResetModel()

    def finding(self, row: int) -> Finding | None:
        return self._findings[row] if 0 <= row < len(self._findings) else None

    def note(self, finding: Finding) -> str:
        return self._notes.get(finding.cell, "")

    def row_of(self, rule_id: str, cell: tuple[str, str, str]) -> int:
        return next((i for i, f in enumerate(self._findings) if f.rule_id == rule_id and f.cell == cell), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._findings)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
                return HEADERS[section]
            if orientation == Qt.Orientation.Vertical:
                return str(section + 1)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        f = self.finding(index.row()) if index.isValid() else None
        if f is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (f.severity, f.message, note_state(f, self.note(f)))[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            note = self.note(f)
            return f.message + (f"\n说明：{note}" if note else "")
        if role == Qt.ItemDataRole.BackgroundRole and column == 0:
            return theme.EXPLAINED_WARNING if f.explained else theme.SEVERITY_COLOURS[f.severity]
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 0:
                return theme.SEVERITY_TEXT[f.severity]
            if column == 2:
                return theme.STATUS_COLOURS["已审核"] if note_state(f, self.note(f)) == "已说明" else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column != 1:
            return Qt.AlignmentFlag.AlignCenter
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class FindingsPanel(QWidget):
    """The findings table plus the 说明 editor."""

    cellRequested = Signal(object)  # (table, row, column) of the selected finding
    noteSaveRequested = Signal(object, str)  # cell, 说明 text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FindingsModel(self)
        self.summary = QLabel("审核结果：—")
        self.summary.setObjectName("findingsSummary")
        self.view = QTableView()
        self.view.setObjectName("findingsView")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 56)
        header.resizeSection(2, 96)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._activated)

        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("noteEdit")
        self.note_edit.setPlaceholderText("选中一条警告后，在此写明数据变化的原因（不少于5个字，不能只写“核实无误”）")
        self.note_edit.textChanged.connect(self._note_changed)
        self.note_edit.returnPressed.connect(self._save_note)
        self.save_button = QPushButton("保存说明")
        self.save_button.setObjectName("saveNoteButton")
        self.save_button.clicked.connect(self._save_note)
        self.note_status = QLabel("")
        self.note_status.setObjectName("noteStatus")
        self.note_status.setMinimumWidth(170)

        note_row = QHBoxLayout()
        note_row.addWidget(QLabel("说明："))
        note_row.addWidget(self.note_edit, 1)
        note_row.addWidget(self.note_status)
        note_row.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addLayout(note_row)
        self._set_note_target(None)

    # -- state -------------------------------------------------------------------------------
    def set_state(self, state: ReportState | None) -> None:
        """Show the findings of a report, keeping the selected finding selected when it remains."""
        current = self.selected_finding()
        self.model.set_state(state)
        if state is None:
            self.summary.setText("审核结果：—")
        else:
            total = len(state.result.findings)
            self.summary.setText(f"审核结果：{summary_text(state.result)}" + ("（无问题）" if total == 0 else ""))
        row = self.model.row_of(current.rule_id, current.cell) if current else -1
        if row >= 0:
            self.view.selectRow(row)
        else:
            self._set_note_target(None)

    def selected_finding(self) -> Finding | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.finding(rows[0].row()) if rows else None

    # -- slots -------------------------------------------------------------------------------
    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        finding = self.selected_finding()
        self._set_note_target(finding)
        if finding is not None:
            self.cellRequested.emit(finding.cell)

    def _activated(self, index: QModelIndex) -> None:
        finding = self.model.finding(index.row())
        if finding is not None:
            self.cellRequested.emit(finding.cell)

    def _set_note_target(self, finding: Finding | None) -> None:
        self._target = finding if finding is not None and finding.severity in ("警告", "提示") else None
        enabled = self._target is not None
        self.note_edit.blockSignals(True)
        self.note_edit.setText(self.model.note(self._target) if self._target else "")
        self.note_edit.blockSignals(False)
        self.note_edit.setEnabled(enabled)
        self.save_button.setEnabled(enabled)
        self._note_changed(self.note_edit.text())

    def _note_changed(self, text: str) -> None:
        if self._target is None:
            self.note_status.setText("")
        elif note_is_acceptable(text):
            self.note_status.setText("✓ 说明可接受")
            self.note_status.setStyleSheet(f"color: {theme.STATUS_COLOURS['已审核'].name()};")
        else:
            self.note_status.setText("说明过短或只写了“无误”")
            self.note_status.setStyleSheet(f"color: {theme.STATUS_COLOURS['有警告'].name()};")

    def _save_note(self) -> None:
        if self._target is not None:
            self.noteSaveRequested.emit(self._target.cell, self.note_edit.text())
